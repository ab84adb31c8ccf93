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
   * Called when writes cannot be committed (a full disk, an I/O error): once
   * when bookkeeping writes (delivered, rescheduled, dead-lettered) first
   * fail, with their counts (they are kept and tried again with the next
   * writes, and later failures are not reported until one succeeds), and once
   * more if the store closes with some still not recorded. Default: written
   * to stderr.
   */
  onError?: (err: Error) => void;
  /**
   * Most pages the file may grow to (SQLite's `max_page_count`); default no
   * limit beyond SQLite's own. Also read from `SERVO_WEBHOOKS_STORE_MAX_PAGES`,
   * to rehearse a full disk without one.
   */
  maxPages?: number;
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

/** What a batched write tells its caller: `true` once committed; `false` once, when its first commit failed (it is kept). */
export type Committed = (committed: boolean) => void;

type Op = (
  | { kind: 'reschedule'; id: string; attempts: number; at: number }
  | { kind: 'remove'; id: string }
  | { kind: 'dead'; d: Delivery; error: string; failedAt: number }
) & { done: Committed | undefined; tried?: boolean };

/** `delivered, rescheduled, dead letters` counts of `ops`, for the one line that says they are not recorded. */
function opCounts(ops: readonly Op[]): string {
  const n = { remove: 0, reschedule: 0, dead: 0 };
  for (const op of ops) n[op.kind]++;
  return `${n.remove} delivered, ${n.reschedule} rescheduled, ${n.dead} dead-lettered`;
}

/** `SERVO_WEBHOOKS_STORE_MAX_PAGES`, when set to a positive integer. */
function maxPagesFromEnv(): number | undefined {
  const v = process.env.SERVO_WEBHOOKS_STORE_MAX_PAGES;
  return v !== undefined && /^[1-9]\d*$/.test(v) ? Number(v) : undefined;
}

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
 * dead-lettered) are batched into one transaction per event-loop turn, and
 * each tells its caller when it is committed (a delivery is reported
 * delivered only then): losing them in a crash only means a delivery is sent
 * again after the restart, which receivers handle by de-duplicating on the
 * delivery id. A batch that cannot be committed (a full disk) is kept and
 * tried again with the next writes; the condition is reported once, with
 * counts, not once per batch or row.
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
    deadOne: BetterSqlite3.Statement;
    countPending: BetterSqlite3.Statement;
    countDead: BetterSqlite3.Statement;
  };
  private ops: Op[] = [];
  /** Writes to tables kept beside the store's (the delivery history), for the next batch. */
  private extra: (() => void)[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private readonly applyOps: (ops: Op[], extra: (() => void)[]) => void;
  private readonly claimRows: (params: { owner: string; now: number; webhook: string; limit: number }) => unknown[];
  private closed = false;
  private readonly onError: (err: Error) => void;
  /** The write failure of the current streak, once reported; cleared by a successful commit. */
  private failing: Error | undefined;
  /** Batched writes queued since the last commit attempt. */
  private untried = 0;
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
      const maxPages = options.maxPages ?? maxPagesFromEnv();
      if (maxPages !== undefined) this.db.pragma(`max_page_count = ${maxPages}`);
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
      deadOne: db.prepare('SELECT * FROM dead WHERE id = ?'),
      countPending: db.prepare('SELECT webhook, COUNT(*) AS n FROM pending GROUP BY webhook'),
      countDead: db.prepare('SELECT webhook, COUNT(*) AS n FROM dead GROUP BY webhook'),
    };
    this.leaseMs = options.leaseMs ?? DELIVERY_DEFAULTS.leaseMs;
    this.lease = new Lease(db, this.leaseMs, (err) => this.fault(err, 'cannot renew the lease'));
    this.claimRows = db.transaction((params: { owner: string; now: number; webhook: string; limit: number }) => {
      this.lease.renew(params.now);
      return this.stmt.claim.all(params);
    }).immediate;
    this.applyOps = db.transaction((ops: Op[], extra: (() => void)[]) => {
      for (const write of extra) write();
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
    this.untried++;
    this.schedule();
  }

  /**
   * Runs `write` inside the next batched transaction (one per event-loop
   * turn), for tables kept in this file beside the store's own: the delivery
   * history writes there, so its rows cost no commit of their own. `write`
   * is queued once however often it is passed before the batch runs, and
   * runs again with the next batch when one cannot commit.
   */
  batch(write: () => void): void {
    if (!this.extra.includes(write)) this.extra.push(write);
    this.schedule();
  }

  /** The open database, for tables kept beside the store's (history/sqlite.ts); the store closes it. */
  get database(): BetterSqlite3.Database {
    return this.db;
  }

  private schedule(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = setImmediate(() => {
        this.flushScheduled = undefined;
        this.tryFlush();
      });
      this.flushScheduled.unref();
    }
  }

  /** Flushes; a failure was reported by `fault` and the writes stay queued. */
  private tryFlush(): void {
    try {
      this.flush();
    } catch {
      // reported once per streak by fault()
    }
  }

  /** Reports a write failure once per streak (a full disk fails every write until room is made). */
  private fault(err: Error, what: string): void {
    if (this.failing) return;
    this.failing = err;
    this.onError(new WebhookStoreError(`${what}: ${err.message}; retried with the next writes, not reported again until one succeeds`, { cause: err }));
  }

  /** The write failure of the current streak (a full disk), after trying the held writes again; undefined once they commit. */
  writeFailure(): Error | undefined {
    this.tryFlush();
    return this.failing;
  }

  /** @inheritdoc */
  get committing(): boolean {
    return this.untried > 0;
  }

  /** @inheritdoc */
  reschedule(id: string, attempts: number, nextAttemptAt: number, done?: Committed): void {
    this.queue({ kind: 'reschedule', id, attempts, at: nextAttemptAt, done });
  }

  /** @inheritdoc */
  remove(id: string, done?: Committed): void {
    this.queue({ kind: 'remove', id, done });
  }

  /** @inheritdoc */
  deadLetter(delivery: Delivery, error: string, failedAt: number, done?: Committed): void {
    // Snapshot: the engine may keep mutating its copy.
    this.queue({ kind: 'dead', d: { ...delivery }, error, failedAt, done });
  }

  /** @inheritdoc */
  removeDead(id: string): boolean {
    return this.db.prepare('DELETE FROM dead WHERE id = ?').run(id).changes > 0;
  }

  /** @inheritdoc */
  flush(): void {
    if (this.flushScheduled) {
      clearImmediate(this.flushScheduled);
      this.flushScheduled = undefined;
    }
    if ((this.ops.length === 0 && this.extra.length === 0) || this.closed) return;
    const ops = this.ops;
    const extra = this.extra;
    this.ops = [];
    this.extra = [];
    this.untried = 0;
    try {
      this.applyOps(ops, extra);
    } catch (err) {
      for (const write of extra) if (!this.extra.includes(write)) this.extra.push(write);
      if (ops.length === 0) return; // only extra writes: the store's own are not concerned
      this.ops = ops.concat(this.ops); // not committed: keep them for the next flush
      this.fault(err as Error, `cannot record the outcome of ${ops.length} webhook deliveries (${opCounts(ops)})`);
      for (const op of ops) {
        if (op.tried) continue;
        op.tried = true;
        op.done?.(false);
      }
      throw err;
    }
    this.failing = undefined;
    for (const op of ops) op.done?.(true);
  }

  /** @inheritdoc */
  claim(query: { webhook: string; limit: number }): Delivery[] {
    this.tryFlush();
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
  dead(query: { webhook?: string; id?: string; limit?: number } = {}): DeadDelivery[] {
    this.tryFlush();
    const limit = query.limit ?? -1;
    const { stmt } = this;
    type DeadRow = Row & { error: string; failed_at: number };
    let rows = (
      query.id !== undefined ? stmt.deadOne.all(query.id) : query.webhook === undefined ? stmt.deadAll.all(limit) : stmt.deadOf.all(query.webhook, limit)
    ) as DeadRow[];
    if (query.id !== undefined && query.webhook !== undefined) rows = rows.filter((r) => r.webhook === query.webhook);
    return rows.map((r) => ({ ...toDelivery(r), error: r.error, failedAt: r.failed_at }));
  }

  /** @inheritdoc */
  counts(): Record<string, StoreCounts> {
    this.tryFlush();
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
    this.tryFlush();
    this.closed = true;
    if (this.ops.length > 0) {
      // Said once: what this process could not record stays pending in the file, and is sent again.
      this.onError(
        new WebhookStoreError(
          `webhook store closed with the outcome of ${this.ops.length} deliveries not recorded (${opCounts(this.ops)}); they stay pending and are sent again by the next servo run`,
        ),
      );
      this.ops = [];
    }
    try {
      this.lease.release();
    } catch {
      // Released by expiry instead: the heartbeat stops with the process.
    }
    this.db.close();
  }
}
