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
// machine load hits all of them alike. Engine and bare signed run back to back in each round (order
// alternating); the goal figures are the medians of the per-round ratios (robust to load changing between
// rounds on this shared machine); rates are the medians of the rounds. The per-connection baseline of the
// goal replicates how the original servo-webhooks sent each webhook (a new httpx.AsyncClient per request):
// a new undici Agent per request, closed after the answer. A cheaper per-connection client, node:http with
// `agent: false` (`connection: close`, no pool object at all), is measured and printed too.
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
  freshAgent: bareRunner(m, { origin, makeBody, concurrency: CONCURRENCY, fresh: 'agent' }),
  freshClose: bareRunner(m, { origin, makeBody, concurrency: CONCURRENCY, fresh: 'close' }),
};
const rates = { engine: [], bare: [], transport: [], freshAgent: [], freshClose: [] };
const cpu = { engine: [], bare: [], transport: [], freshAgent: [], freshClose: [] };
/** One run: its rate, and the CPU time of this process per request (user + system, microseconds). */
async function measure(name, n, maxMs) {
  const c0 = process.cpuUsage();
  const r = await runners[name].run(n, maxMs);
  const c = process.cpuUsage(c0);
  rates[name].push(r.rate);
  cpu[name].push((c.user + c.system) / r.n);
  return r.rate;
}
const vsBare = [];
const vsFresh = [];
const vsClose = [];
const started = performance.now();
try {
  // Warm-up: JIT, pooled connections.
  for (const [name, r] of Object.entries(runners)) await r.run(name.startsWith('fresh') ? 300 : 3000, 10_000);
  for (let round = 0; round < ROUNDS; round++) {
    // Engine and bare signed back to back (order alternating), so each pair sees the same machine load.
    let e;
    let b;
    if (round % 2) {
      e = await measure('engine', N, 20_000);
      b = await measure('bare', N, 20_000);
    } else {
      b = await measure('bare', N, 20_000);
      e = await measure('engine', N, 20_000);
    }
    await measure('transport', N, 20_000);
    const fa = await measure('freshAgent', FRESH_N, 5_000);
    const fc = await measure('freshClose', FRESH_N, 5_000);
    vsBare.push(e / b);
    vsFresh.push(e / fa);
    vsClose.push(e / fc);
  }
} finally {
  for (const r of Object.values(runners)) await r.close();
  await receiver.close();
}

const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
const medCpu = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
const ratioBare = median(vsBare);
const ratioFresh = median(vsFresh);
const row = (label, name) =>
  console.log(
    `${label.padEnd(50)} ${fmt(med[name]).padStart(7)} /s  ${medCpu[name].toFixed(1).padStart(6)} us CPU/req  rounds: ${rates[name].map((x) => fmt(x)).join(' ')}`,
  );
const ratios = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
console.log(
  `throughput: ${ROUNDS} rounds x ${fmt(N)} deliveries (${FRESH_N} per-connection), concurrency ${CONCURRENCY}, body ${makeBody('msg_x').byteLength} B; medians`,
);
row('engine (DeliveryEngine, memory store, signed)', 'engine');
row('bare pooled undici, serialise + sign inline', 'bare');
row('bare pooled undici, transport only (unsigned)', 'transport');
row('new undici Agent per request, serialise + sign', 'freshAgent');
row('node:http connection: close, serialise + sign', 'freshClose');
console.log(`engine / bare signed         ${ratioBare.toFixed(2)}x  (goal >= 0.85x; median of per-round ratios: ${ratios(vsBare)})`);
console.log(`engine / new Agent per req.  ${ratioFresh.toFixed(2)}x  (goal >= 5x; per round: ${ratios(vsFresh)})`);
console.log(`engine / node:http close     ${median(vsClose).toFixed(2)}x  (information, not the goal's baseline; per round: ${ratios(vsClose)})`);
console.log(`engine / transport only      ${(med.engine / med.transport).toFixed(2)}x  (information: what serialising, signing and bookkeeping cost)`);
console.log(`CPU per request, bare/engine ${(medCpu.bare / medCpu.engine).toFixed(2)}x  (information: this process's user+system CPU)`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = ratioBare >= 0.85 && ratioFresh >= 5;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
