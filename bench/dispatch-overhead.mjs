#!/usr/bin/env node
// Goal 1: an event with 10 after-webhooks whose receiver answers after 2 s adds at most 1 ms (median) to the
// dispatch, compared with the same dispatch without the webhooks connector.
//
// Two servos built in code (Servo.create), both started: A has a scripts-free connector whose on-handler
// answers measure; B has the same connector plus the webhooks connector (dist/connector.js) with 10 webhooks
// on after:measure, all pointing at a receiver in its own process that answers after 2 s. Both log through
// servo-core's pino logger at level "warn" (the per-attempt info lines are filtered). Dispatches alternate
// A, B, A, B... and each is timed from the call to the resolved result; the figure is median(B) - median(A).
// At the end the webhooks connector drains (bounded by drain_timeout: 1s) and closes.
//
// Usage: node bench/dispatch-overhead.mjs [dispatches per servo=3000]
import { load, startReceiver, makeServo, median, quantile, withTimeout, SECRET, MEASURE_PARAMS } from './lib.mjs';

const N = Number(process.argv[2] ?? 3000);
const WARMUP = 300;
const MAX_MS = 30_000;
const GOAL_MS = 1;

const m = await load();
const receiver = await startReceiver(['--mode', 'delay', '--delay', '2000']);
const logger = m.core.createLogger({ level: 'warn' });
const webhooks = Array.from({ length: 10 }, (_, i) => ({
  name: `after_${i}`,
  url: `${receiver.origin}/hook/${i}`,
  secret: SECRET,
  events: 'after:measure',
}));
const plain = await makeServo(m, { name: 'bench', logger });
const hooked = await makeServo(m, { name: 'bench', logger, webhooks, settings: { drain_timeout: '1s' } });

const a = [];
const b = [];
async function timed(servo) {
  const t = performance.now();
  const r = await servo.dispatch('measure', MEASURE_PARAMS);
  const ms = performance.now() - t;
  if (r.status !== 'completed' || r.afterErrors.length > 0) throw new Error(`dispatch failed: ${JSON.stringify(r)}`);
  return ms;
}
const started = performance.now();
let finished = false;
try {
  for (let i = 0; i < WARMUP; i++) {
    await timed(plain);
    await timed(hooked);
  }
  for (let i = 0; i < N && performance.now() - started < MAX_MS; i++) {
    // Alternate which goes first, so neither always runs right after the other's work.
    if (i % 2) {
      a.push(await timed(plain));
      b.push(await timed(hooked));
    } else {
      b.push(await timed(hooked));
      a.push(await timed(plain));
    }
  }
  finished = true;
} finally {
  if (!finished) await close();
}

const ma = median(a);
const mb = median(b);
const added = mb - ma;
const us = (ms) => `${(ms * 1000).toFixed(0).padStart(6)} us`;
console.log(`dispatch overhead: ${a.length} dispatches each, alternating; receiver answers after 2 s`);
console.log(`without webhooks          median ${us(ma)}  p90 ${us(quantile(a, 0.9))}  p99 ${us(quantile(a, 0.99))}`);
console.log(`with 10 after-webhooks    median ${us(mb)}  p90 ${us(quantile(b, 0.9))}  p99 ${us(quantile(b, 0.99))}`);
console.log(
  `added by the webhooks     median ${us(added)}  (goal <= ${GOAL_MS * 1000} us; ${(added / GOAL_MS).toFixed(3)}x the goal; dispatch ${(mb / ma).toFixed(2)}x)`,
);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = added <= GOAL_MS;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
console.log('closing: the engine drains for at most 1 s, then logs (stderr) the deliveries still waiting for the 2 s receiver');
await close();

/** Drains (at most drain_timeout: 1s) and closes both servos, then the receiver. */
async function close() {
  await withTimeout(Promise.all([plain.close(), hooked.close()]), 15_000, 'closing the servos').catch((err) => console.error(String(err)));
  await receiver.close();
}
