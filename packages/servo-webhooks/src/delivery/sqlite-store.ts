import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DELIVERY_DEFAULTS } from '../defaults.js';
import { WebhookStoreError } from '../errors.js';
import { CLAIMABLE, Lease } from './sqlite-lease.js';
import { migrate } from './sqlite-migrations.js';
import type { DeadDelivery, Delivery, PersistentStore, StoreCounts } from './types.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * `normal` (default): a committed `add` survives a crash of the process, not
   * necessarily a power loss; `full`: fsync on every commit (slower).
   */
  synchronous?: 'normal' | 'full';
  /**
   * Called when a batch of bookkeeping writes (delivered, rescheduled,
   * dead-lettered) cannot be committed in the background; the batch is kept
   * and tried again. Default: written to stderr.
   */
  onError?: (err: Error) => void;
  /**
   * How long the rows this process holds stay its own without a heartbeat
   * (renewed every third of it while the process lives); once it has passed
   * after the process died, another process takes them over. Default 30 s.
   */
  leaseMs?: number;
}

interface Row {
  seq: number;
  id: string;
  webhook: string;
  event: string;
  content_type: string;
  body: Buffer;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
}

/** A `pending` row in column order: seq, id, webhook, event, content_type, body, created_at, attempts, next_attempt_at. */
type RawRow = [number, string, string, string, string, Buffer, number, number, number];

type Op =
  | { kind: 'reschedule'; id: string; attempts: number; at: number }
  | { kind: 'remove'; id: string }
  | { kind: 'dead'; d: Delivery; error: string; failedAt: number };

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function toDelivery(r: Row): Delivery {
  return {
    id: r.id,
    webhook: r.webhook,
    event: r.event,
    contentType: r.content_type,
    body: r.body,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
  };
}

/**
 * A persistent store in one SQLite file (WAL mode, prepared statements).
 *
 * `add` commits before returning. The other writes (delivered, rescheduled,
 * dead-lettered) are batched into one transaction per event-loop turn: losing
 * them in a crash only means a delivery is sent again after the restart,
 * which receivers handle by de-duplicating on the delivery id.
 *
 * Several processes may share the file: each pending row is held by at most
 * one of them at a time, under a lease (see sqlite-lease.ts) that `claim`
 * takes atomically, a heartbeat renews, `close` releases, and another process
 * takes over once it expired after its holder died.
 */
export class SqliteStore implements PersistentStore {
  readonly persistent = true as const;
  private readonly db: BetterSqlite3.Database;
  private readonly stmt: {
    add: BetterSqlite3.Statement;
    reschedule: BetterSqlite3.Statement;
    remove: BetterSqlite3.Statement;
    dead: BetterSqlite3.Statement;
    claim: BetterSqlite3.Statement;
    deadAll: BetterSqlite3.Statement;
    deadOf: BetterSqlite3.Statement;
    countPending: BetterSqlite3.Statement;
    countDead: BetterSqlite3.Statement;
  };
  private ops: Op[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private readonly applyOps: (ops: Op[]) => void;
  private readonly claimRows: (params: { owner: string; now: number; webhook: string; limit: number }) => unknown[];
  private closed = false;
  private readonly onError: (err: Error) => void;
  private readonly lease: Lease;
  /** Lease length, ms: how long rows of a process that died stay with it. */
  readonly leaseMs: number;

  /** Opens (creating if needed) the database file at `path`. */
  constructor(
    /** The database file. */
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.onError = options.onError ?? ((err) => process.stderr.write(`servo-webhooks: store ${path}: ${err.message}\n`));
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db, path);
    } catch (err) {
      if (err instanceof WebhookStoreError) throw err;
      throw new WebhookStoreError(`cannot open webhook store ${path}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.stmt = {
      add: db.prepare(
        'INSERT INTO pending (id, webhook, event, content_type, body, created_at, attempts, next_attempt_at, lease_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      reschedule: db.prepare('UPDATE pending SET attempts = ?, next_attempt_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM pending WHERE id = ?'),
      dead: db.prepare(
        'INSERT OR REPLACE INTO dead (id, webhook, event, content_type, body, created_at, attempts, next_attempt_at, error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // One statement, so under SQLite's write lock: no two processes take one row.
      // Raw rows (arrays): paging in is on the drain path, and objects per row cost ~40% more.
      claim: db
        .prepare(
          `UPDATE pending SET lease_owner = @owner WHERE seq IN (
             SELECT seq FROM pending p WHERE p.webhook = @webhook AND ${CLAIMABLE} ORDER BY p.seq LIMIT @limit)
           RETURNING seq, id, webhook, event, content_type, body, created_at, attempts, next_attempt_at`,
        )
        .raw(true),
      deadAll: db.prepare('SELECT * FROM dead ORDER BY failed_at DESC LIMIT ?'),
      deadOf: db.prepare('SELECT * FROM dead WHERE webhook = ? ORDER BY failed_at DESC LIMIT ?'),
      countPending: db.prepare('SELECT webhook, COUNT(*) AS n FROM pending GROUP BY webhook'),
      countDead: db.prepare('SELECT webhook, COUNT(*) AS n FROM dead GROUP BY webhook'),
    };
    this.leaseMs = options.leaseMs ?? DELIVERY_DEFAULTS.leaseMs;
    this.lease = new Lease(db, this.leaseMs, this.onError);
    this.claimRows = db.transaction((params: { owner: string; now: number; webhook: string; limit: number }) => {
      this.lease.renew(params.now);
      return this.stmt.claim.all(params);
    }).immediate;
    this.applyOps = db.transaction((ops: Op[]) => {
      for (const op of ops) {
        if (op.kind === 'reschedule') this.stmt.reschedule.run(op.attempts, op.at, op.id);
        else if (op.kind === 'remove') this.stmt.remove.run(op.id);
        else {
          const d = op.d;
          this.stmt.dead.run(d.id, d.webhook, d.event, d.contentType, toBuffer(d.body), d.createdAt, d.attempts, d.nextAttemptAt, op.error, op.failedAt);
          this.stmt.remove.run(d.id);
        }
      }
    });
  }

  /** @inheritdoc */
  add(d: Delivery, held: boolean): void {
    try {
      if (held && !this.lease.active) this.lease.renew(Date.now());
      this.stmt.add.run(d.id, d.webhook, d.event, d.contentType, toBuffer(d.body), d.createdAt, d.attempts, d.nextAttemptAt, held ? this.lease.owner : null);
    } catch (err) {
      throw new WebhookStoreError(`cannot store delivery ${d.id}: ${(err as Error).message}`, { cause: err });
    }
  }

  private queue(op: Op): void {
    this.ops.push(op);
    if (!this.flushScheduled) {
      this.flushScheduled = setImmediate(() => {
        this.flushScheduled = undefined;
        try {
          this.flush();
        } catch (err) {
          // Nobody awaits this turn's batch: report it; the ops stay queued for the next flush.
          this.onError(err as Error);
        }
      });
      this.flushScheduled.unref();
    }
  }

  /** @inheritdoc */
  reschedule(id: string, attempts: number, nextAttemptAt: number): void {
    this.queue({ kind: 'reschedule', id, attempts, at: nextAttemptAt });
  }

  /** @inheritdoc */
  remove(id: string): void {
    this.queue({ kind: 'remove', id });
  }

  /** @inheritdoc */
  deadLetter(delivery: Delivery, error: string, failedAt: number): void {
    // Snapshot: the engine may keep mutating its copy.
    this.queue({ kind: 'dead', d: { ...delivery }, error, failedAt });
  }

  /** @inheritdoc */
  flush(): void {
    if (this.flushScheduled) {
      clearImmediate(this.flushScheduled);
      this.flushScheduled = undefined;
    }
    if (this.ops.length === 0 || this.closed) return;
    const ops = this.ops;
    this.ops = [];
    try {
      this.applyOps(ops);
    } catch (err) {
      this.ops = ops.concat(this.ops); // not committed: keep them for the next flush
      throw err;
    }
  }

  /** @inheritdoc */
  claim(query: { webhook: string; limit: number }): Delivery[] {
    this.flush();
    const now = Date.now();
    const rows = this.claimRows({ owner: this.lease.owner, now, webhook: query.webhook, limit: query.limit }) as RawRow[];
    rows.sort((a, b) => a[0] - b[0]);
    const out: Delivery[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[i] = { id: r[1], webhook: r[2], event: r[3], contentType: r[4], body: r[5], createdAt: r[6], attempts: r[7], nextAttemptAt: r[8] };
    }
    return out;
  }

  /** @inheritdoc */
  dead(query: { webhook?: string; limit?: number } = {}): DeadDelivery[] {
    this.flush();
    const limit = query.limit ?? -1;
    const rows = (query.webhook === undefined ? this.stmt.deadAll.all(limit) : this.stmt.deadOf.all(query.webhook, limit)) as (Row & {
      error: string;
      failed_at: number;
    })[];
    return rows.map((r) => ({ ...toDelivery(r), error: r.error, failedAt: r.failed_at }));
  }

  /** @inheritdoc */
  counts(): Record<string, StoreCounts> {
    this.flush();
    const out: Record<string, StoreCounts> = {};
    for (const r of this.stmt.countPending.all() as { webhook: string; n: number }[]) (out[r.webhook] ??= { pending: 0, dead: 0 }).pending = r.n;
    for (const r of this.stmt.countDead.all() as { webhook: string; n: number }[]) (out[r.webhook] ??= { pending: 0, dead: 0 }).dead = r.n;
    return out;
  }

  /** @inheritdoc */
  setDisabled(webhook: string, reason: string | null, at: number): void {
    if (reason === null) this.db.prepare('DELETE FROM disabled WHERE webhook = ?').run(webhook);
    else this.db.prepare('INSERT OR REPLACE INTO disabled (webhook, reason, since) VALUES (?, ?, ?)').run(webhook, reason, at);
  }

  /** @inheritdoc */
  disabled(): Record<string, { reason: string; since: number }> {
    const rows = this.db.prepare('SELECT webhook, reason, since FROM disabled').all() as { webhook: string; reason: string; since: number }[];
    return Object.fromEntries(rows.map((r) => [r.webhook, { reason: r.reason, since: r.since }]));
  }

  /** @inheritdoc */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.lease.release();
    this.db.close();
  }
}
