import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DeliveryEngine, type DeliveryEngineOptions } from '../../src/delivery/engine.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/delivery/sqlite-migrations.js';
import { SqliteStore } from '../../src/delivery/sqlite-store.js';
import { openStore } from '../../src/delivery/store.js';
import { MemoryStore } from '../../src/delivery/memory-store.js';
import type { Delivery } from '../../src/delivery/types.js';
import { bytes, captureLogger, endpoint, receiver, reply, sleep, waitFor, type Receiver, useScratch } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

const scratch = useScratch('servo-webhooks-store-');
const server = scratch.server;

function engine(opts: Partial<DeliveryEngineOptions> & Pick<DeliveryEngineOptions, 'endpoints'>): DeliveryEngine {
  const e = new DeliveryEngine({ userAgent: 'servo-webhooks-test/1', random: () => 0, retryFloorMs: 0, ...opts });
  scratch.keep(e);
  return e;
}

const delivery = (id: string, webhook = 'w', body = `body-${id}`): Delivery => ({
  id,
  webhook,
  event: 'after:x',
  body: bytes(body),
  contentType: 'application/json',
  createdAt: 1000,
  attempts: 0,
  nextAttemptAt: 1000,
});

describe('persistent store contract (SqliteStore)', () => {
  it('adds, claims oldest first, reschedules, removes, dead-letters, counts', () => {
    const s = new SqliteStore(join(scratch.dir, 'contract.db'));
    scratch.keep(s);
    for (const id of ['a', 'b', 'c', 'd']) s.add(delivery(id), false);
    s.add(delivery('z', 'other'), false);
    const page1 = s.claim({ webhook: 'w', limit: 2 });
    expect(page1.map((d) => d.id)).toEqual(['a', 'b']);
    const page2 = s.claim({ webhook: 'w', limit: 10 });
    expect(page2.map((d) => d.id)).toEqual(['c', 'd']);
    expect(Buffer.from(page2[0]!.body).toString()).toBe('body-c');
    // Held rows are not claimed twice.
    expect(s.claim({ webhook: 'w', limit: 10 })).toEqual([]);

    s.reschedule('a', 2, 5000);
    s.remove('b');
    s.deadLetter({ ...delivery('c'), attempts: 3 }, 'WEBHOOK_HTTP_STATUS: 400', 9000);
    const dead = s.dead();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: 'c', attempts: 3, error: 'WEBHOOK_HTTP_STATUS: 400', failedAt: 9000 });
    expect(Buffer.from(dead[0]!.body).toString()).toBe('body-c');
    expect(s.dead({ webhook: 'other' })).toEqual([]);
    expect(s.counts()).toEqual({ w: { pending: 2, dead: 1 }, other: { pending: 1, dead: 0 } });
    s.close();
    // Closing released them: another process claims what is left, as rescheduled.
    const t = new SqliteStore(join(scratch.dir, 'contract.db'));
    scratch.keep(t);
    expect(t.claim({ webhook: 'w', limit: 10 }).map((d) => [d.id, d.attempts, d.nextAttemptAt])).toEqual([
      ['a', 2, 5000],
      ['d', 0, 1000],
    ]);
  });

  it("two stores on one file: a row is held by one at a time; a dead holder's rows are taken over once its lease expires", async () => {
    const path = join(scratch.dir, 'lease.db');
    const a = new SqliteStore(path, { leaseMs: 300 });
    const b = new SqliteStore(path, { leaseMs: 300 });
    scratch.keep(b);
    a.add(delivery('held'), true);
    for (const id of ['f1', 'f2']) a.add(delivery(id), false);
    expect(b.claim({ webhook: 'w', limit: 1 }).map((d) => d.id)).toEqual(['f1']);
    expect(a.claim({ webhook: 'w', limit: 10 }).map((d) => d.id)).toEqual(['f2']);
    expect(b.claim({ webhook: 'w', limit: 10 })).toEqual([]);
    // The heartbeat keeps a live holder's rows its own past the lease length.
    await sleep(700);
    expect(b.claim({ webhook: 'w', limit: 10 })).toEqual([]);
    // A holder that dies without releasing: its heartbeat stops (simulated), its lease runs out.
    (a as unknown as { lease: { timer: NodeJS.Timeout } }).lease.timer.close();
    expect(b.claim({ webhook: 'w', limit: 10 })).toEqual([]);
    await sleep(450);
    expect(b.claim({ webhook: 'w', limit: 10 }).map((d) => d.id)).toEqual(['held', 'f2']);
  });
});

describe('SqliteStore schema migrations', () => {
  it('upgrades a file written by the first schema in place, keeping its rows; refuses a newer schema', () => {
    const path = join(scratch.dir, 'v1.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old
      .prepare('INSERT INTO pending (id, webhook, event, content_type, body, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run('old-1', 'w', 'after:x', 'application/json', Buffer.from('kept'), 1000, 2, 1000);
    old.close();
    const s = new SqliteStore(path);
    expect(s.claim({ webhook: 'w', limit: 10 }).map((d) => [d.id, d.attempts, Buffer.from(d.body).toString()])).toEqual([['old-1', 2, 'kept']]);
    s.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    check.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    check.close();
    expect(() => new SqliteStore(path)).toThrow(`schema version ${SCHEMA_VERSION + 1}; this version of servo-webhooks reads up to ${SCHEMA_VERSION}`);
  });
});

describe('MemoryStore', () => {
  it('keeps dead letters (bounded, newest first) and disabled records; counts dead only', () => {
    const s = new MemoryStore({ maxDead: 2 });
    s.deadLetter(delivery('a'), 'E: 1', 1);
    s.deadLetter(delivery('b', 'other'), 'E: 2', 2);
    s.deadLetter(delivery('c'), 'E: 3', 3);
    expect(s.dead().map((d) => d.id)).toEqual(['c', 'b']);
    expect(s.dead({ webhook: 'w' }).map((d) => [d.id, d.error, d.failedAt])).toEqual([['c', 'E: 3', 3]]);
    expect(s.counts()).toEqual({ w: { pending: 0, dead: 1 }, other: { pending: 0, dead: 1 } });
    s.setDisabled('w', '410 Gone', 5);
    expect(s.disabled()).toEqual({ w: { reason: '410 Gone', since: 5 } });
    s.setDisabled('w', null, 6);
    expect(s.disabled()).toEqual({});
  });
});

describe('SqliteStore', () => {
  it('commits an add before it returns (visible to another connection at once)', () => {
    const path = join(scratch.dir, 'a.db');
    const s = new SqliteStore(path);
    scratch.keep(s);
    s.add(delivery('m1'), true);
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare('SELECT id, attempts FROM pending').all()).toEqual([{ id: 'm1', attempts: 0 }]);
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  it('openStore opens memory and sqlite stores; `existing` never creates a file', async () => {
    expect((await openStore({ kind: 'memory' }))?.persistent).toBe(false);
    const file = join(scratch.dir, 'sub', 'w.db');
    expect(await openStore({ kind: 'sqlite', file }, { existing: true })).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    const s = (await openStore({ kind: 'sqlite', file }))!;
    scratch.keep(s);
    expect(s.persistent).toBe(true);
    expect((s as SqliteStore).path).toBe(file);
    const again = (await openStore({ kind: 'sqlite', file }, { existing: true }))!;
    scratch.keep(again);
    expect(again.persistent).toBe(true);
  });
});

describe('engine with a sqlite store', () => {
  it('resumes pending deliveries after the file is reopened', async () => {
    const path = join(scratch.dir, 'resume.db');
    const hang = await server(() => {
      /* never answers */
    });
    const first = new DeliveryEngine({
      endpoints: [endpoint('w', hang.url, { timeoutMs: 30_000 })],
      store: new SqliteStore(path),
      userAgent: 't',
      concurrency: 1,
    });
    const ids = [1, 2, 3].map((i) => first.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`payload-${i}`), contentType: 'application/json' }).id);
    await waitFor(() => hang.started === 1);
    await first.close(); // like a crash: the in-flight attempt is aborted, nothing delivered

    const ok = await server((_req, res) => reply(res, 200));
    const log = captureLogger();
    const second = engine({ endpoints: [endpoint('w', ok.url)], store: new SqliteStore(path), logger: log });
    second.start();
    await waitFor(() => second.stats().w!.delivered === 3);
    expect(ok.requests.map((q) => q.headers['x-servo-delivery']).sort()).toEqual([...ids].sort());
    expect(ok.requests.map((q) => q.body.toString()).sort()).toEqual(['payload-1', 'payload-2', 'payload-3']);
    expect(log.lines.find((l) => l.msg?.includes('resumed'))?.obj).toEqual({ pending: 3 });
    await waitFor(() => second.stats().w!.queueDepth === 0);
  });

  it('keeps the retry count and time across a restart', async () => {
    const path = join(scratch.dir, 'retry.db');
    const failing = await server((_req, res) => reply(res, 503));
    const first = new DeliveryEngine({
      endpoints: [endpoint('w', failing.url)],
      store: new SqliteStore(path),
      userAgent: 't',
      backoff: { initialMs: 600_000 },
      random: () => 0.5,
    });
    const d = first.enqueue({ webhook: 'w', event: 'after:x', body: bytes('r'), contentType: 'text/plain' });
    await waitFor(() => first.stats().w!.retried === 1);
    await first.drain(1000);
    await first.close();
    const s = new SqliteStore(path);
    const [row] = s.claim({ webhook: 'w', limit: 10 });
    s.close();
    expect(row!.id).toBe(d.id);
    expect(row!.attempts).toBe(1);
    // A 300 s backoff, clamped to the 60 s maxTime of the endpoint: one last try at the deadline.
    expect(row!.nextAttemptAt - row!.createdAt).toBe(60_000);
  });

  it('lists dead letters, also after reopening', async () => {
    const path = join(scratch.dir, 'dead.db');
    const r = await server((_req, res) => reply(res, 422));
    const e = new DeliveryEngine({ endpoints: [endpoint('w', r.url)], store: new SqliteStore(path), userAgent: 't' });
    const d = e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('bad'), contentType: 'text/plain' });
    await waitFor(() => e.stats().w!.dead === 1);
    expect(e.deadLetters()).toMatchObject([{ id: d.id, attempts: 1 }]);
    expect(await e.drain(1000)).toEqual({ delivered: 0, pending: 0, dead: 1, dropped: 0, lost: [] });
    await e.close();
    const s = new SqliteStore(path);
    scratch.keep(s);
    const dead = s.dead({ webhook: 'w' });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error).toContain('422');
    expect(Buffer.from(dead[0]!.body).toString()).toBe('bad');
    expect(s.counts()).toEqual({ w: { pending: 0, dead: 1 } });
  });

  it('never drops past maxQueue: the rest waits on disk and is paged in', async () => {
    const path = join(scratch.dir, 'page.db');
    let release = false;
    const held: (() => void)[] = [];
    const r = await server((_req, res) => (release ? reply(res, 200) : held.push(() => reply(res, 200))));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], store: new SqliteStore(path), maxQueue: 4, concurrency: 2, logger: log });
    const ids = Array.from({ length: 25 }, (_, i) => e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' }).id);
    await waitFor(() => r.started === 2);
    expect(e.stats().w).toMatchObject({ dropped: 0, queueDepth: 25 });
    release = true;
    for (const f of held) f();
    await waitFor(() => e.stats().w!.delivered === 25);
    expect(new Set(r.requests.map((q) => q.headers['x-servo-delivery']))).toEqual(new Set(ids));
    expect(r.requests).toHaveLength(25);
    expect(log.lines.some((l) => l.msg?.includes('dropped'))).toBe(false);
    const summary = await e.drain(2000);
    expect(summary).toEqual({ delivered: 25, pending: 0, dead: 0, dropped: 0, lost: [] });
  });

  it('is fast enough: 5,000 committed adds', () => {
    const s = new SqliteStore(join(scratch.dir, 'speed.db'));
    scratch.keep(s);
    const body = bytes('x'.repeat(500));
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) s.add({ ...delivery(`id-${i}`), body }, i % 2 === 0);
    const ms = performance.now() - t0;
    expect(s.counts().w!.pending).toBe(5000);
    // Generous bound for a loaded 2-core machine; typically well under 1 s.
    expect(ms).toBeLessThan(10_000);
    void sleep;
  });
});
