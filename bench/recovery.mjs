#!/usr/bin/env node
// Goal 5: 100,000 deliveries pending while the receiver is down keep RSS under 150 MB with the sqlite store;
// when the receiver returns they drain at no less than half the rate of benchmark 2.
//
// The receiver (its own process) starts down: its port is reserved but nothing listens, so attempts fail
// with ECONNREFUSED. A DeliveryEngine with a SqliteStore (temp file; 10,000 deliveries held in memory, the
// rest paged in from disk) gets 100,000 realistic after:measure bodies, built and enqueued as fast as the
// store commits them. Its circuit opens after 5 failures and probes every 500 ms (breaker cooldown 500 ms,
// backoff 100 ms..1 s, logger at level "error"). RSS is sampled every 20 ms while they are enqueued and
// pending. Then the receiver comes back up (IPC 'up') and the time until all 100,000 are delivered is
// measured: drain rate = 100,000 / (last delivery - first delivery after 'up').
// Benchmark 2's engine measurement (same engineRunner as bench/throughput.mjs: memory store, concurrency 8,
// same bodies, same receiver) runs in this same process right after, for the ratio.
//
// Usage: node bench/recovery.mjs [deliveries=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, startReceiver, bodyFactory, engineRunner, endpoint, median, fmt, sleep, withTimeout } from './lib.mjs';

const TOTAL = Number(process.argv[2] ?? 100_000);
const RSS_GOAL_MB = 150;
const RATE_GOAL = 0.5;
const DRAIN_MAX_MS = 40_000;

const m = await load();
const receiver = await startReceiver(['--down']);
const makeBody = await bodyFactory(m);
const logger = m.core.createLogger({ level: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'servo-bench-recovery-'));
const started = performance.now();

let rssPeak = 0;
const rss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss()));
const sampler = setInterval(rss, 20);

let delivered = 0;
let firstAt = 0;
let lastAt = 0;
let allDone;
const done = new Promise((r) => (allDone = r));
const engine = new m.DeliveryEngine({
  endpoints: [endpoint(receiver.origin, '/hook')],
  store: new m.SqliteStore(join(dir, 'webhooks.db')),
  userAgent: m.USER_AGENT,
  logger,
  breaker: { failures: 5, cooldownMs: 500 },
  backoff: { initialMs: 100, maxMs: 1000 },
  onResponse: () => {
    const now = performance.now();
    if (delivered++ === 0) firstAt = now;
    lastAt = now;
    if (delivered === TOTAL) allDone();
  },
});

let enqueueMs;
let pendingRssMb;
let upAt;
let drainRssPeak;
let r2;
try {
  // 1. Receiver down: enqueue everything (committed to SQLite one by one, as the connector does).
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i++) {
    const id = m.newMessageId(Date.now());
    engine.enqueue({ webhook: 'hook', event: 'after:measure', body: makeBody(id), contentType: 'application/json', id });
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let the engine and the sampler run
    if (performance.now() - t0 > 60_000) throw new Error('enqueueing took over 60 s');
  }
  enqueueMs = performance.now() - t0;
  await sleep(1000); // pending while down: probes fail, nothing is delivered
  rss();
  pendingRssMb = rssPeak / 2 ** 20;
  const before = engine.stats().hook;
  if (delivered !== 0) throw new Error('delivered while the receiver was down?');

  // 2. Receiver back: drain.
  rssPeak = 0;
  await receiver.cmd('up');
  upAt = performance.now();
  await withTimeout(done, DRAIN_MAX_MS, `draining ${TOTAL} deliveries`);
  drainRssPeak = rssPeak / 2 ** 20;
  const after = engine.stats().hook;
  console.error(`store before up: ${fmt(before.queueDepth)} pending, circuit ${before.circuit}; after: ${fmt(after.queueDepth)} pending, ${after.dead} dead`);

  // 3. Benchmark 2's engine figure, side by side (memory store, same bodies and receiver).
  const runner = await engineRunner(m, { origin: receiver.origin, makeBody, logger, window: 128 });
  await runner.run(3000);
  const rates = [];
  for (let i = 0; i < 3; i++) rates.push((await runner.run(10_000)).rate);
  await runner.close();
  r2 = median(rates);
} finally {
  clearInterval(sampler);
  await withTimeout(
    engine.drain(1000).then(() => engine.close()),
    10_000,
    'engine close',
  ).catch((err) => console.error(String(err)));
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
}

const drainRate = (TOTAL / (lastAt - firstAt)) * 1000;
const ratio = drainRate / r2;
console.log(`recovery: ${fmt(TOTAL)} deliveries (body ${makeBody('msg_x').byteLength} B), sqlite store, receiver down then up`);
console.log(`enqueued while down          ${fmt(enqueueMs)} ms  (${fmt((TOTAL / enqueueMs) * 1000)} committed adds/s)`);
console.log(`peak RSS while pending       ${pendingRssMb.toFixed(1)} MB  (goal < ${RSS_GOAL_MB} MB)`);
console.log(`first delivery after 'up'    ${fmt(firstAt - upAt)} ms  (circuit probe interval 500 ms)`);
console.log(
  `drain                        ${fmt(lastAt - firstAt)} ms  = ${fmt(drainRate)} deliveries/s  (peak RSS while draining ${drainRssPeak.toFixed(1)} MB)`,
);
console.log(`benchmark 2 engine (memory)  ${fmt(r2)} deliveries/s  (median of 3 x 10,000, same run)`);
console.log(`drain / benchmark 2          ${ratio.toFixed(2)}x  (goal >= ${RATE_GOAL}x)`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = pendingRssMb < RSS_GOAL_MB && ratio >= RATE_GOAL;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
