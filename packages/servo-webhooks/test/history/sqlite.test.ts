/** The sqlite history's file: schema 3 over a version-2 file, its bounds applied to the rows of every process. */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/delivery/sqlite-migrations.js';
import { SqliteStore } from '../../src/delivery/sqlite-store.js';
import { SqliteHistory } from '../../src/history/sqlite.js';
import type { AttemptEntry, HistoryOutcome } from '../../src/history/types.js';
import { useScratch } from '../delivery/helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
const scratch = useScratch('servo-webhooks-history-sqlite-');

function entry(id: string, over: { outcome?: HistoryOutcome; number?: number; size?: number } = {}): AttemptEntry {
  return {
    id,
    webhook: 'w',
    event: 'after:measure',
    kind: 'queued',
    contentType: 'application/json',
    // Random: the file keeps bodies deflated, and the bounds count what it keeps.
    body: randomBytes(over.size ?? 10),
    createdAt: 1000,
    attempt: { number: over.number ?? 1, startedAt: 1000, durationMs: 2, outcome: 'delivered', status: 204, requestHeaders: { 'webhook-id': id } },
    outcome: over.outcome ?? 'delivered',
  };
}

describe('SqliteHistory', () => {
  it('upgrades a version-2 file to schema 3 in place: its pending rows kept, the history tables added', () => {
    const path = join(scratch.dir, 'v2.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) old.exec(m.sql);
    old.pragma('user_version = 2');
    old
      .prepare('INSERT INTO pending (id, webhook, event, content_type, body, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run('old-1', 'w', 'after:x', 'application/json', Buffer.from('kept'), 1000, 1, 1000);
    old.close();
    const store = scratch.keep(new SqliteStore(path));
    expect(SCHEMA_VERSION).toBe(3);
    expect(store.claim({ webhook: 'w', limit: 10 }).map((d) => d.id)).toEqual(['old-1']);
    const h = new SqliteHistory(store);
    h.record(entry('new-1'));
    expect(h.list().map((s) => s.id)).toEqual(['new-1']);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    const tables = (check.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'history%'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    expect(tables).toEqual(['history']);
    check.close();
  });

  it('holds the file to max_attempts across processes: the oldest deliveries leave, with their attempts', () => {
    const path = join(scratch.dir, 'bound.db');
    const a = scratch.keep(new SqliteStore(path));
    const b = scratch.keep(new SqliteStore(path));
    const ha = new SqliteHistory(a, { maxAttempts: 10 });
    const hb = new SqliteHistory(b, { maxAttempts: 10 });
    // A read commits the open batch: each process's 8 attempts are one batch.
    for (let i = 0; i < 8; i++) ha.record(entry(`a${i}`));
    ha.list();
    for (let i = 0; i < 8; i++) hb.record(entry(`b${i}`));
    hb.list();
    const ids = hb.list({ limit: 100 }).map((s) => s.id);
    expect(ids.length).toBeLessThanOrEqual(10);
    expect(ids[0]).toBe('b7');
    expect(ids).not.toContain('a0');
    expect(ha.get('a0')).toBeUndefined();
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT sum(attempts) AS n FROM history').get() as { n: number }).n).toBeLessThanOrEqual(10);
    db.close();
  });

  it('holds the file to max_bytes: the oldest bodies leave first, their records stay', () => {
    const store = scratch.keep(new SqliteStore(join(scratch.dir, 'bytes.db')));
    const h = new SqliteHistory(store, { maxBytes: 10_000 });
    // A batch each (a read commits the open batch): a batch is what leaves together.
    for (let i = 0; i < 4; i++) {
      h.record(entry(`d${i}`, { size: 3000 }));
      h.list();
    }
    expect(h.list().map((s) => s.id)).toEqual(['d3', 'd2', 'd1', 'd0']);
    expect(h.get('d0')).toMatchObject({ bodySize: 3000, attempts: 1 });
    expect(h.get('d0')!.body).toBeUndefined();
    expect(h.get('d3')!.body).toHaveLength(3000);
  });

  it('adds the attempts of a redelivered id to the same delivery, numbered from 1 again', () => {
    const store = scratch.keep(new SqliteStore(join(scratch.dir, 'again.db')));
    const h = new SqliteHistory(store);
    h.record(entry('x', { outcome: 'dead' }));
    h.record(entry('x', { number: 1 }));
    expect(h.get('x')).toMatchObject({ attempts: 2, outcome: 'delivered' });
    expect(h.get('x')!.attemptRecords.map((a) => a.number)).toEqual([1, 1]);
  });
});
