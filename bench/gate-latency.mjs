#!/usr/bin/env node
// Goal 3: a before-webhook adds at most 0.5 ms (median) over a bare POST to the same receiver.
//
// What a user pays for a gate is the dispatch with the before-webhook minus the same dispatch without it.
// Two servos (Servo.create, started): A has a scripts-free connector answering measure; B adds the webhooks
// connector with one before:measure webhook. The bare POST is a pooled undici request of the same
// before:measure body with a content-type header, its response read to the end. Receiver: its own process,
// 204 at once. Each iteration runs A, B and the bare POST (order rotating); figures are medians:
//   gate cost = median(B) - median(A);   goal: gate cost - median(bare POST) <= 0.5 ms.
// For information, engine.send() (the DeliveryEngine alone, same endpoint) is timed the same way.
//
// Usage: node bench/gate-latency.mjs [iterations=3000]
import { load, startReceiver, makeServo, median, quantile, withTimeout, endpoint, SECRET, MEASURE_PARAMS } from './lib.mjs';

const N = Number(process.argv[2] ?? 3000);
const WARMUP = 300;
const MAX_MS = 40_000;
const GOAL_MS = 0.5;

const m = await load();
const receiver = await startReceiver();
const logger = m.core.createLogger({ level: 'warn' });
const url = `${receiver.origin}/gate`;
const plain = await makeServo(m, { name: 'bench', logger });
const gated = await makeServo(m, {
  name: 'bench',
  logger,
  webhooks: [{ name: 'gate', url, secret: SECRET, events: 'before:measure' }],
  settings: { drain_timeout: '1s' },
});

const params = m.core.events.measure.params.parse(MEASURE_PARAMS);
const body = m.buildBody({ id: m.newMessageId(Date.now()), event: 'before:measure', createdAt: new Date(), servo: 'bench', webhook: 'gate', params });
const agent = new m.undici.Agent({ keepAliveTimeout: 4000 });
const engine = new m.DeliveryEngine({ endpoints: [endpoint(receiver.origin, '/gate', { name: 'hook' })], userAgent: m.USER_AGENT, logger });

async function dispatch(servo) {
  const t = performance.now();
  const r = await servo.dispatch('measure', MEASURE_PARAMS);
  const ms = performance.now() - t;
  if (r.status !== 'completed') throw new Error(`dispatch did not complete: ${JSON.stringify(r)}`);
  return ms;
}
async function bare() {
  const t = performance.now();
  const res = await agent.request({ origin: receiver.origin, path: '/gate', method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.body.dump();
  const ms = performance.now() - t;
  if (res.statusCode !== 204) throw new Error(`bare POST got HTTP ${res.statusCode}`);
  return ms;
}
async function send() {
  const t = performance.now();
  const out = await engine.send({ webhook: 'hook', event: 'before:measure', body, contentType: 'application/json' }, { deadlineMs: 5000 });
  const ms = performance.now() - t;
  if (!out.ok) throw out.error;
  return ms;
}

const samples = { plain: [], gated: [], bare: [], send: [] };
const steps = [
  ['plain', () => dispatch(plain)],
  ['gated', () => dispatch(gated)],
  ['bare', bare],
  ['send', send],
];
const started = performance.now();
try {
  for (let i = 0; i < WARMUP; i++) for (const [, f] of steps) await f();
  for (let i = 0; i < N && performance.now() - started < MAX_MS; i++) {
    for (let k = 0; k < steps.length; k++) {
      const [name, f] = steps[(i + k) % steps.length];
      samples[name].push(await f());
    }
  }
} finally {
  await withTimeout(Promise.all([plain.close(), gated.close(), engine.close(), agent.close()]), 15_000, 'closing').catch((err) => console.error(String(err)));
  await receiver.close();
}

const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const gate = med.gated - med.plain;
const over = gate - med.bare;
const us = (ms) => `${(ms * 1000).toFixed(0).padStart(6)} us`;
const line = (label, k) => console.log(`${label.padEnd(40)} median ${us(med[k])}  p90 ${us(quantile(samples[k], 0.9))}  p99 ${us(quantile(samples[k], 0.99))}`);
console.log(`gate latency: ${samples.plain.length} iterations, order rotating; receiver answers 204 at once; body ${body.byteLength} B`);
line('dispatch without the gate', 'plain');
line('dispatch with a before-webhook', 'gated');
line('bare pooled undici POST, same body', 'bare');
line('engine.send() alone (information)', 'send');
console.log(`gate cost (with - without)               median ${us(gate)}  = ${(gate / med.bare).toFixed(2)}x the bare POST`);
console.log(`gate cost - bare POST                    median ${us(over)}  (goal <= ${GOAL_MS * 1000} us; ${(over / GOAL_MS).toFixed(2)}x the goal)`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = over <= GOAL_MS;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
