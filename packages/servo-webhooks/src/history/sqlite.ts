/**
 * The delivery history in the sqlite store's file (schema version 3,
 * delivery/sqlite-migrations.ts), so it survives a restart and shows every
 * process sharing the file. Its rows are written in the store's own batched
 * transaction (one per event-loop turn), so recording an attempt costs no
 * commit of its own; the bounds are applied every tenth of either bound (at
 * most every 100 attempts), from a read of the small per-delivery table,
 * never by scanning attempts.
 *
 * Redelivering an id adds attempts to the same delivery; they are numbered
 * from 1 again, as their log lines are.
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../delivery/sqlite-store.js';
import { attemptBytes } from './entry.js';
import { notify } from './memory.js';
import {
  HISTORY_DEFAULTS,
  type AttemptEntry,
  type AttemptRecord,
  type DeliveryHistory,
  type DeliveryRecord,
  type DeliverySummary,
  type HistoryLimits,
  type HistoryOutcome,
  type HistoryQuery,
} from './types.js';

/** Fixed cost counted per delivery beside its body and strings (as the memory history counts it). */
const DELIVERY_OVERHEAD = 128;

/** The columns of a summary, in this order. */
const SUMMARY_COLUMNS = 'id, webhook, event, kind, created_at, attempts, outcome, last_attempt_at, latency_ms, status';
type SummaryRow = [string, string, string, 'queued' | 'gate', number, number, HistoryOutcome, number, number, number | null];
type AttemptRow = [number, number, number, string, number | null, string | null, string | null, string, string | null, string | null, number];
/** seq, attempts, bytes, body_size, has body. */
type BoundRow = [number, number, number, number, number];

/** One attempt waiting for the store's next batch: the parameters of its two statements. */
interface Pending {
  delivery: unknown[];
  attempt: unknown[];
}

function summaryOf(r: SummaryRow): DeliverySummary {
  const s: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] } = {
    id: r[0],
    webhook: r[1],
    event: r[2],
    kind: r[3],
    createdAt: r[4],
    attempts: r[5],
    outcome: r[6],
    lastAttemptAt: r[7],
    latencyMs: r[8],
  };
  if (r[9] !== null) s.status = r[9];
  return s;
}

function attemptOf(r: AttemptRow): AttemptRecord {
  const a: { -readonly [K in keyof AttemptRecord]: AttemptRecord[K] } = {
    number: r[0],
    startedAt: r[1],
    durationMs: r[2],
    outcome: r[3] as AttemptRecord['outcome'],
    requestHeaders: JSON.parse(r[7]) as Record<string, string>,
  };
  if (r[4] !== null) a.status = r[4];
  if (r[5] !== null) a.error = r[5];
  if (r[6] !== null) a.reason = r[6];
  if (r[8] !== null) a.responseHeaders = JSON.parse(r[8]) as Record<string, string>;
  if (r[9] !== null) a.responseExcerpt = r[9];
  if (r[10] === 1) a.responseTruncated = true;
  return a;
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The recent deliveries of every process sharing one sqlite store file. */
export class SqliteHistory implements DeliveryHistory {
  readonly persistent = true;
  readonly limits: HistoryLimits;
  private readonly db: BetterSqlite3.Database;
  private readonly upsert: BetterSqlite3.Statement;
  private readonly insertAttempt: BetterSqlite3.Statement;
  private readonly one: BetterSqlite3.Statement;
  private readonly attemptsOf: BetterSqlite3.Statement;
  private readonly boundRows: BetterSqlite3.Statement;
  /** List statements by which filters they have (webhook, event, outcome). */
  private readonly lists = new Map<string, BetterSqlite3.Statement>();
  private readonly listeners = new Set<(summary: DeliverySummary, attempt: AttemptRecord) => void>();
  private pending: Pending[] = [];
  /** Attempts this process counted per recent id, for the summaries its listeners get (no read per attempt). */
  private readonly counts = new Map<string, number>();
  private sincePrune = 0;
  /** Bytes recorded since the bounds were last applied. */
  private bytesSincePrune = 0;
  /** Records between two applications of the bounds. */
  private readonly pruneEvery: number;
  private closed = false;
  private readonly write = (): void => this.writePending();

  constructor(
    private readonly store: SqliteStore,
    limits: Partial<HistoryLimits> = {},
  ) {
    this.limits = {
      maxAttempts: Math.max(1, limits.maxAttempts ?? HISTORY_DEFAULTS.maxAttempts),
      maxBytes: Math.max(0, limits.maxBytes ?? HISTORY_DEFAULTS.maxBytes),
    };
    this.pruneEvery = Math.max(1, Math.min(100, Math.floor(this.limits.maxAttempts / 10)));
    const db = (this.db = store.database);
    this.upsert = db.prepare(
      `INSERT INTO history_deliveries (id, webhook, event, kind, content_type, body, body_size, created_at, attempts, outcome, last_attempt_at, latency_ms, status, bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         attempts = attempts + 1, outcome = excluded.outcome, last_attempt_at = excluded.last_attempt_at,
         latency_ms = excluded.latency_ms, status = excluded.status,
         bytes = bytes + excluded.bytes - ${DELIVERY_OVERHEAD} - excluded.body_size + (CASE WHEN body IS NULL THEN excluded.body_size ELSE 0 END),
         body = coalesce(body, excluded.body)`,
    );
    this.insertAttempt = db.prepare(
      `INSERT INTO history_attempts (delivery_id, number, started_at, duration_ms, outcome, status, error, reason, request_headers, response_headers, excerpt, truncated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.one = db.prepare(`SELECT ${SUMMARY_COLUMNS}, content_type, body_size, body FROM history_deliveries WHERE id = ?`).raw(true);
    this.attemptsOf = db
      .prepare(
        `SELECT number, started_at, duration_ms, outcome, status, error, reason, request_headers, response_headers, excerpt, truncated
         FROM history_attempts WHERE delivery_id = ? ORDER BY rowid`,
      )
      .raw(true);
    this.boundRows = db.prepare('SELECT seq, attempts, bytes, body_size, body IS NOT NULL FROM history_deliveries ORDER BY seq').raw(true);
  }

  /** @inheritdoc */
  record(entry: AttemptEntry): void {
    if (this.closed) return;
    const a = entry.attempt;
    const size = attemptBytes(a);
    const body = toBuffer(entry.body);
    const bytes = DELIVERY_OVERHEAD + body.byteLength + size + entry.id.length + entry.webhook.length + entry.event.length + entry.contentType.length;
    if (this.pending.length === 0) this.store.batch(this.write);
    this.pending.push({
      delivery: [
        entry.id,
        entry.webhook,
        entry.event,
        entry.kind,
        entry.contentType,
        body,
        body.byteLength,
        entry.createdAt,
        entry.outcome,
        a.startedAt,
        a.durationMs,
        a.status ?? null,
        bytes,
      ],
      attempt: [
        entry.id,
        a.number,
        a.startedAt,
        a.durationMs,
        a.outcome,
        a.status ?? null,
        a.error ?? null,
        a.reason ?? null,
        JSON.stringify(a.requestHeaders),
        a.responseHeaders === undefined ? null : JSON.stringify(a.responseHeaders),
        a.responseExcerpt ?? null,
        a.responseTruncated === true ? 1 : 0,
      ],
    });
    const attempts = (this.counts.get(entry.id) ?? 0) + 1;
    this.counts.delete(entry.id);
    this.counts.set(entry.id, attempts);
    if (this.counts.size > this.limits.maxAttempts) this.counts.delete(this.counts.keys().next().value as string);
    if (this.listeners.size > 0) {
      const s: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] } = {
        id: entry.id,
        webhook: entry.webhook,
        event: entry.event,
        kind: entry.kind,
        createdAt: entry.createdAt,
        attempts,
        outcome: entry.outcome,
        lastAttemptAt: a.startedAt,
        latencyMs: a.durationMs,
      };
      if (a.status !== undefined) s.status = a.status;
      notify(this.listeners, s, a);
    }
  }

  /** Inside the store's transaction: the batched rows, then the bounds every `pruneEvery` records. */
  private writePending(): void {
    const rows = this.pending;
    this.pending = [];
    for (const r of rows) {
      this.upsert.run(r.delivery);
      this.insertAttempt.run(r.attempt);
      this.bytesSincePrune += r.delivery[12] as number;
    }
    this.sincePrune += rows.length;
    // Every tenth of either bound (at most every 100 attempts): the file stays near them without a read per write.
    if (this.sincePrune >= this.pruneEvery || this.bytesSincePrune * 10 >= this.limits.maxBytes) {
      this.sincePrune = 0;
      this.bytesSincePrune = 0;
      this.prune();
    }
  }

  /**
   * Applies the bounds to the whole file (every process's rows): past the
   * byte bound the oldest bodies leave first, then the oldest deliveries;
   * past the attempt bound the oldest deliveries leave. The newest delivery
   * always stays (its body may leave).
   */
  private prune(): void {
    const rows = this.boundRows.all() as BoundRow[];
    if (rows.length === 0) return;
    const { maxAttempts, maxBytes } = this.limits;
    let attempts = 0;
    let bytes = 0;
    for (const r of rows) {
      attempts += r[1];
      bytes += r[2];
    }
    if (attempts <= maxAttempts && bytes <= maxBytes) return;
    let bodiesUpTo = -1;
    for (let i = 0; i < rows.length && bytes > maxBytes; i++) {
      const r = rows[i]!;
      if (r[4] === 1) {
        bytes -= r[3];
        r[2] -= r[3];
        bodiesUpTo = r[0];
      }
    }
    let deleteUpTo = -1;
    for (let i = 0; i < rows.length - 1 && (attempts > maxAttempts || bytes > maxBytes); i++) {
      const r = rows[i]!;
      attempts -= r[1];
      bytes -= r[2];
      deleteUpTo = r[0];
    }
    const db = this.db;
    if (bodiesUpTo > deleteUpTo) {
      db.prepare('UPDATE history_deliveries SET body = NULL, bytes = bytes - body_size WHERE seq <= ? AND seq > ? AND body IS NOT NULL').run(
        bodiesUpTo,
        deleteUpTo,
      );
    }
    if (deleteUpTo >= 0) {
      db.prepare('DELETE FROM history_attempts WHERE delivery_id IN (SELECT id FROM history_deliveries WHERE seq <= ?)').run(deleteUpTo);
      db.prepare('DELETE FROM history_deliveries WHERE seq <= ?').run(deleteUpTo);
    }
  }

  /** What is batched, committed now (so this process reads its own last attempts). */
  private commit(): boolean {
    if (this.closed) return false;
    try {
      this.store.flush();
    } catch {
      // reported by the store; read what the file has
    }
    return true;
  }

  /** @inheritdoc */
  list(query: HistoryQuery = {}): DeliverySummary[] {
    if (!this.commit()) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of [
      ['webhook', query.webhook],
      ['event', query.event],
      ['outcome', query.outcome],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    const key = where.join(' AND ');
    let stmt = this.lists.get(key);
    if (stmt === undefined) {
      stmt = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM history_deliveries ${key ? `WHERE ${key}` : ''} ORDER BY seq DESC LIMIT ?`).raw(true);
      this.lists.set(key, stmt);
    }
    return (stmt.all(...params, query.limit ?? 100) as SummaryRow[]).map(summaryOf);
  }

  /** @inheritdoc */
  get(id: string): DeliveryRecord | undefined {
    if (!this.commit()) return undefined;
    const r = this.one.get(id) as [...SummaryRow, string, number, Buffer | null] | undefined;
    if (r === undefined) return undefined;
    const attemptRecords = (this.attemptsOf.all(id) as AttemptRow[]).map(attemptOf);
    const rec: DeliveryRecord = { ...summaryOf(r as unknown as SummaryRow), contentType: r[10], bodySize: r[11], attemptRecords };
    return r[12] === null ? rec : { ...rec, body: new Uint8Array(r[12]) };
  }

  /** @inheritdoc */
  subscribe(listener: (summary: DeliverySummary, attempt: AttemptRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops recording; what is batched commits with the store's last batch (the store closes after). */
  close(): void {
    this.listeners.clear();
    this.closed = true;
  }
}
