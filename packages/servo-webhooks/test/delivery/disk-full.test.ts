/**
 * A full disk mid-run, rehearsed on a real SQLite file capped with
 * `max_page_count` (`SqliteStore` option `maxPages`): only writes that grow the
 * file fail, so dead letters of large bodies fail once the file is at its cap,
 * and every batch that carries them fails with them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryEngine } from '../../src/delivery/engine.js';
import { SqliteStore } from '../../src/delivery/sqlite-store.js';
import type { Delivery } from '../../src/delivery/types.js';
import { captureLogger, endpoint, type Receiver, receiver, reply, sleep, waitFor, useScratch } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

const tmp = useScratch('servo-webhooks-full-');
const server = tmp.server;

const BIG = 64 * 1024; // 16 overflow pages of 4 KiB per dead letter: far past the slack
const SLACK = 4; // pages left under the cap for the lease row and the claims

function delivery(id: string, webhook: string, body: Buffer): Delivery {
  return { id, webhook, event: 'after:x', body, contentType: 'application/octet-stream', createdAt: Date.now(), attempts: 0, nextAttemptAt: 0 };
}

/** The file's page count and rows, read through a second connection. */
function onDisk(path: string): { pages: number; pending: string[]; dead: number } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      pages: db.pragma('page_count', { simple: true }) as number,
      pending: (db.prepare('SELECT id FROM pending ORDER BY id').all() as { id: string }[]).map((r) => r.id),
      dead: (db.prepare('SELECT COUNT(*) AS n FROM dead').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

describe('disk full mid-run (SQLite max_page_count)', () => {
  it('reports no delivery delivered unless committed, logs the store failure once with counts, and delivers the kept ones once there is room', async () => {
    const path = join(tmp.dir, 'full.db');
    const big = ['big-1', 'big-2', 'big-3', 'big-4', 'big-5'];
    const ok = ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5', 'ok-6', 'ok-7', 'ok-8'];
    const bodyOf = (id: string) => (id.startsWith('big') ? Buffer.alloc(BIG, id) : Buffer.from(id));
    // Sizing: the pages the same rows take in an empty store, measured on a scratch file while it is
    // open (closing lets go of the rows, which rewrites them and leaves free pages).
    const scratch = join(tmp.dir, 'scratch.db');
    new SqliteStore(scratch).close();
    const empty = onDisk(scratch).pages;
    const sized = new SqliteStore(scratch);
    for (const id of [...big, ...ok]) sized.add(delivery(id, id.split('-')[0]!, bodyOf(id)), true);
    const rowPages = onDisk(scratch).pages - empty;
    sized.close();
    new SqliteStore(path).close();
    const start = onDisk(path).pages;

    // Room for the deliveries and SLACK pages more: not enough for one dead letter.
    const storeErrors: string[] = [];
    const store = new SqliteStore(path, { maxPages: start + rowPages + SLACK, leaseMs: 300, onError: (err) => storeErrors.push(err.message) });
    let storeFailed!: () => void;
    const failed = new Promise<void>((resolve) => {
      storeFailed = resolve;
    });
    const rejecting = await server((_req, res) => reply(res, 422));
    // Answers 200 only once the store failed, so these outcomes go into failing batches.
    const accepting = await server(async (_req, res) => {
      await failed;
      reply(res, 200);
    });
    const log = captureLogger();
    const responses: string[] = [];
    const first = new DeliveryEngine({
      endpoints: [endpoint('big', rejecting.url), endpoint('ok', accepting.url)],
      store,
      userAgent: 'servo-webhooks-test/1',
      random: () => 0,
      retryFloorMs: 0,
      logger: log,
      onResponse: (d) => responses.push(d.id),
    });
    tmp.keep(first);
    for (const id of [...big, ...ok]) {
      const webhook = id.split('-')[0]!;
      first.enqueue({ id, webhook, event: 'after:x', body: bodyOf(id), contentType: 'application/octet-stream' });
    }
    await waitFor(() => storeErrors.length > 0);
    storeFailed();
    await waitFor(() => accepting.requests.length === ok.length);
    await sleep(200); // several event-loop turns: each would flush (and fail) a batch

    // (a) Nothing reported delivered: not counted, no attempt line, no onResponse.
    expect(first.stats().ok!.delivered).toBe(0);
    expect(log.attempts().filter((a) => a.outcome === 'delivered')).toEqual([]);
    expect(responses).toEqual([]);
    // (b) One line for the whole condition, with counts, whatever the number of rows and batches.
    expect(storeErrors).toHaveLength(1);
    expect(storeErrors[0]).toMatch(/cannot record the outcome of \d+ webhook deliveries \(\d+ delivered, \d+ rescheduled, [1-9]\d* dead-lettered\).*full/);
    expect(log.lines.filter((l) => (l.level === 'error' || l.level === 'warn') && l.msg !== 'webhook attempt')).toEqual([]);
    // What /readyz reads: the store cannot record writes, and says why.
    expect(first.storeProblem()).toMatch(/full/);
    // The file holds every delivery as pending; no dead letter made it.
    expect(onDisk(path)).toMatchObject({ pending: [...big, ...ok].sort(), dead: 0 });

    await first.close();
    expect(storeErrors).toHaveLength(2);
    expect(storeErrors[1]).toMatch(/closed with the outcome of 13 deliveries not recorded \(8 delivered, 0 rescheduled, 5 dead-lettered\)/);

    // (c) Room made (no cap): the kept deliveries are still pending, and sent again. Letting go of
    // the rows needed room too, so they are another process's once the lease ran out.
    await sleep(400);
    const again = await server((_req, res) => reply(res, 200));
    const second = new DeliveryEngine({
      endpoints: [endpoint('big', again.url), endpoint('ok', again.url)],
      store: new SqliteStore(path),
      userAgent: 'servo-webhooks-test/1',
      random: () => 0,
      retryFloorMs: 0,
    });
    tmp.keep(second);
    second.start();
    await waitFor(() => second.stats().big!.delivered + second.stats().ok!.delivered === big.length + ok.length);
    expect(second.storeProblem()).toBeUndefined();
    expect(again.requests.map((q) => q.headers['x-servo-delivery']).sort()).toEqual([...big, ...ok].sort());
    expect(await second.drain(2000)).toEqual({ delivered: 13, pending: 0, dead: 0, dropped: 0, lost: [] });
    expect(onDisk(path)).toMatchObject({ pending: [], dead: 0 });
  });
});
