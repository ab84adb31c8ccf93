#!/usr/bin/env node
// Goal 2: sustained signed deliveries per second of the delivery engine reach at least 85% of a bare pooled
// undici client that serialises and signs the same bodies inline (both signatures, same headers), and at
// least 5x a client that opens a new connection per request (how the original servo-webhooks sent them).
// Also printed: the transport-only figure (bare pooled undici, one pre-serialised body, no signing).
//
// What runs: the DeliveryEngine directly (memory store, one endpoint, concurrency 8, a logger at level
// "warn" so the per-attempt info line is filtered as in a quiet production setup). A producer builds each
// body with the connector's buildBody() and enqueues it, keeping a backlog of WINDOW deliveries; delivered
// ones are counted through onResponse (the hook the connector uses). Every client runs at concurrency 8
// against the same receiver, in its own process (bench/receiver.mjs, 204 at once), round after round so
// machine load hits all of them alike; the figures are the medians of the rounds.
//
// Usage: node bench/throughput.mjs [rounds=10] [deliveries per round=5000]
import { load, startReceiver, bodyFactory, engineRunner, bareRunner, fmt, median } from './lib.mjs';

const ROUNDS = Number(process.argv[2] ?? 10);
const N = Number(process.argv[3] ?? 5_000);
const FRESH_N = 800; // connections per round: keeps TIME_WAIT sockets well below the ephemeral port range
const CONCURRENCY = 8;
const WINDOW = 128;

const m = await load();
const receiver = await startReceiver();
const makeBody = await bodyFactory(m);
const origin = receiver.origin;
const logger = m.core.createLogger({ level: 'warn' });

const runners = {
  engine: await engineRunner(m, { origin, makeBody, logger, concurrency: CONCURRENCY, window: WINDOW }),
  bare: bareRunner(m, { origin, makeBody, concurrency: CONCURRENCY }),
  transport: bareRunner(m, { origin, makeBody, concurrency: CONCURRENCY, signed: false }),
  fresh: bareRunner(m, { origin, makeBody, concurrency: CONCURRENCY, fresh: true }),
};
const rates = { engine: [], bare: [], transport: [], fresh: [] };
const cpu = { engine: [], bare: [], transport: [], fresh: [] };
/** One run: its rate, and the CPU time of this process per request (user + system, microseconds). */
async function measure(name, n, maxMs) {
  const c0 = process.cpuUsage();
  const r = await runners[name].run(n, maxMs);
  const c = process.cpuUsage(c0);
  rates[name].push(r.rate);
  cpu[name].push((c.user + c.system) / r.n);
  return r.rate;
}
const pairRatios = [];
const started = performance.now();
try {
  // Warm-up: JIT, pooled connections.
  for (const [name, r] of Object.entries(runners)) await r.run(name === 'fresh' ? 300 : 3000, 10_000);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither side always runs first.
    const e = round % 2 ? await measure('engine', N, 20_000) : 0;
    const b = await measure('bare', N, 20_000);
    const e2 = round % 2 ? e : await measure('engine', N, 20_000);
    await measure('transport', N, 20_000);
    await measure('fresh', FRESH_N, 5_000);
    pairRatios.push(e2 / b);
  }
} finally {
  for (const r of Object.values(runners)) await r.close();
  await receiver.close();
}

const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
const vsBare = med.engine / med.bare;
const vsFresh = med.engine / med.fresh;
const medCpu = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
const row = (label, name) =>
  console.log(`${label.padEnd(50)} ${fmt(med[name]).padStart(7)} /s  ${medCpu[name].toFixed(1).padStart(6)} us CPU/req  rounds: ${rates[name].map((x) => fmt(x)).join(' ')}`);
console.log(`throughput: ${ROUNDS} rounds x ${fmt(N)} deliveries, concurrency ${CONCURRENCY}, body ${makeBody('msg_x').byteLength} B, medians`);
row('engine (DeliveryEngine, memory store, signed)', 'engine');
row('bare pooled undici, serialise + sign inline', 'bare');
row('bare pooled undici, transport only (unsigned)', 'transport');
row('new connection per request, serialise + sign', 'fresh');
console.log(`engine / bare signed      ${vsBare.toFixed(2)}x  (goal >= 0.85x; per-round ratios ${pairRatios.map((x) => x.toFixed(2)).join(' ')}; CPU per request ${(medCpu.bare / medCpu.engine).toFixed(2)}x)`);
console.log(`engine / new connection   ${vsFresh.toFixed(2)}x  (goal >= 5x)`);
console.log(`engine / transport only   ${(med.engine / med.transport).toFixed(2)}x  (information: the cost of serialising + signing + bookkeeping)`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = vsBare >= 0.85 && vsFresh >= 5;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
