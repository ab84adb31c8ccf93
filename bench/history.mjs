#!/usr/bin/env node
// Goal 9: with the sqlite store, the delivery history (the attempts the deliveries page of `servo run --http`
// shows, kept in the store's file) costs <= 10% of delivery throughput against the same store without it.
// The same is asked of the memory store's history (kept in process memory), measured the same way.
//
// What runs: two DeliveryEngines in this process, each with its own SqliteStore (temp files, as the connector
// opens them) and one endpoint (concurrency 8) on one receiver in its own process (bench/receiver.mjs, 204 at
// once), pino logger at level "warn". B also records every attempt in a SqliteHistory on its store (default
// bounds: 1,000 attempts, 50 MB, so the file is pruned as it goes, as in a long run); A has none, so its
// attempts build nothing for it. Each round enqueues ROUND realistic after:measure bodies (1,674 bytes,
// built per delivery as the connector builds them) into one engine, keeping 1,024 pending, and ends when
// the last is reported delivered (onResponse, after the store committed it). A and B alternate in order
// within each pair of rounds. Figures: deliveries per second of each (medians) and the median of the
// per-round ratios B/A; goal B/A >= 0.90. Also printed: what the history holds at the end, and the file sizes.
// Then the same pairs with the memory store (rounds of 3 x ROUND: it delivers about three times as fast), B
// keeping a MemoryHistory.
//
// Usage: node bench/history.mjs [rounds=12] [deliveries per round=5000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyFactory, engineRunner, fmt, load, median, root, startReceiver } from './lib.mjs';

const ROUNDS = Number(process.argv[2] ?? 12);
const ROUND = Number(process.argv[3] ?? 5000);
const WINDOW = 1024;
const GOAL = 0.9;

const m = await load();
const { SqliteHistory } = await import(join(root, 'packages/servo-webhooks/dist/history/sqlite.js'));
const { MemoryHistory } = await import(join(root, 'packages/servo-webhooks/dist/history/memory.js'));
const receiver = await startReceiver();
const makeBody = await bodyFactory(m);
const logger = m.core.createLogger({ level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'servo-bench-history-'));

/** An engine on its own sqlite file (or the memory store), with a history when `withHistory`; `run(n)` resolves deliveries/s. */
async function runner(name, withHistory, memory = false) {
  const file = join(dir, `${name}.db`);
  const store = memory ? undefined : new m.SqliteStore(file);
  const history = withHistory ? (memory ? new MemoryHistory() : new SqliteHistory(store)) : undefined;
  const engine = await engineRunner(m, { origin: receiver.origin, store, history, logger, window: WINDOW, makeBody });
  return { file, history, run: async (n) => (await engine.run(n, 60_000)).rate, close: () => engine.close() };
}

/** Paired rounds of `plain` and `kept` (alternating order); their rates, ratios, and what `kept`'s history holds. */
async function pairs(plain, kept, n) {
  const rates = { plain: [], history: [] };
  const ratios = [];
  try {
    // Warm-up: JIT, pooled connections, the files' first pages; the history starts its pruning.
    await plain.run(2000);
    await kept.run(2000);
    for (let i = 0; i < ROUNDS; i++) {
      let a;
      let b;
      if (i % 2) {
        b = await kept.run(n);
        a = await plain.run(n);
      } else {
        a = await plain.run(n);
        b = await kept.run(n);
      }
      rates.plain.push(a);
      rates.history.push(b);
      ratios.push(b / a);
    }
    const list = kept.history.list({ limit: 10_000 });
    const held = {
      deliveries: list.length,
      attempts: list.reduce((n, s) => n + s.attempts, 0),
      withBody: list.length > 0 && kept.history.get(list[0].id)?.body !== undefined,
    };
    return { rates, ratios, held };
  } finally {
    await plain.close();
    await kept.close();
  }
}

const started = performance.now();
let sqlite;
let memory;
let sizes;
try {
  const plain = await runner('plain', false);
  const kept = await runner('history', true);
  sqlite = await pairs(plain, kept, ROUND);
  sizes = [plain.file, kept.file].map((f) => statSync(f, { throwIfNoEntry: false })?.size ?? 0);
  // Rounds as long as the sqlite store's: the memory store delivers about three times as fast.
  memory = await pairs(await runner('memory', false, true), await runner('memory-history', true, true), 3 * ROUND);
} finally {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Prints one store's figures; true when its goal is met. */
function report(store, r, note) {
  const ratio = median(r.ratios);
  console.log(`${store} store, no history     ${fmt(median(r.rates.plain)).padStart(7)} deliveries/s  rounds: ${r.rates.plain.map((x) => fmt(x)).join(' ')}`);
  console.log(
    `${store} store, with history   ${fmt(median(r.rates.history)).padStart(7)} deliveries/s  rounds: ${r.rates.history.map((x) => fmt(x)).join(' ')}`,
  );
  console.log(`${store} with / without        ${ratio.toFixed(3)}x  (goal >= ${GOAL}x; per round: ${r.ratios.map((x) => x.toFixed(3)).join(' ')})`);
  console.log(
    `${store} history held at the end ${fmt(r.held.deliveries)} deliveries, ${fmt(r.held.attempts)} attempts (bound 1,000${note})${r.held.withBody ? ', newest with its body' : ''}`,
  );
  return ratio >= GOAL;
}

console.log(
  `history: ${ROUNDS} paired rounds x ${fmt(ROUND)} deliveries (sqlite store), ${fmt(3 * ROUND)} (memory store); concurrency 8, 1,674-byte bodies; medians`,
);
const okSqlite = report('sqlite', sqlite, `; rows of up to 128 leave whole; files without / with: ${sizes.map((s) => `${fmt(s / 1e6, 2)} MB`).join(' / ')}`);
const okMemory = report('memory', memory, '');
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = okSqlite && okMemory;
console.log(ok ? 'goal met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
