/**
 * The delivery history in the sqlite store's file (schema version 3,
 * delivery/sqlite-migrations.ts), so it survives a restart and shows every
 * process sharing the file.
 *
 * A row per batch: up to {@link BATCH_ATTEMPTS} attempts, packed: their
 * summaries and records as JSON lines and the bodies of the deliveries they
 * introduce, each deflated in libuv's pool, then inserted in the store's own
 * batched transaction. Attempts are held as the engine hands them over and
 * written every {@link BATCH_MS}; only the newest `max_attempts` of them are
 * encoded, since the bound would delete the others at once: under a flood of
 * deliveries most attempts are never encoded at all. Recording an attempt is
 * then no statement, no commit and no encoding of its own.
 * bench/history.mjs measured the alternatives against its goal of 10%: a
 * row per attempt, with its index and its deletion at the bound, cost 25-35%
 * of the throughput of a sqlite store; a row per event-loop turn, 18%
 * uncompressed (the bytes cost twice, written to the WAL and checkpointed),
 * 28% deflated per turn (each deflate call has a fixed cost of 10-30 us);
 * every attempt encoded as it came and deflated in batches, 9-12%; encoding
 * only what the bound keeps, 5-6%. What a crash loses is the last
 * {@link BATCH_MS} of history, never a delivery. A read
 * commits what is held first, then parses the summaries of every row
 * (bounded by `max_attempts`): a page does that on a click, not per delivery.
 *
 * The bounds are applied every tenth of either (at most every 100 attempts)
 * to the whole file, counting the bytes as stored (deflated): past
 * `max_bytes` the bodies of the oldest batches leave first (their records
 * stay, and Redeliver says the body left), then the oldest batches; past
 * `max_attempts` the oldest batches leave.
 *
 * Redelivering an id adds attempts to the same delivery; they are numbered
 * from 1 again, as their log lines are.
 * @module
 */
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../delivery/sqlite-store.js';
import { matches, notify } from './memory.js';
import { Appender } from './appender.js';
import { deliveriesOf, recordOf, SummaryLines, type BatchView } from './sqlite-read.js';
import {
  HISTORY_DEFAULTS,
  type AttemptEntry,
  type AttemptRecord,
  type DeliveryHistory,
  type DeliveryRecord,
  type DeliverySummary,
  type HistoryLimits,
  type HistoryQuery,
} from './types.js';

/** Fixed cost counted per attempt beside what it stores. */
const ENTRY_OVERHEAD = 128;
/** Fastest deflate: the rows are JSON and bodies much alike, level 1 already shrinks them several times. */
const DEFLATE = { level: 1 };
/** Longest an attempt is held in memory before it is written. */
export const BATCH_MS = 250;
/** Most attempts in one row (the bounds remove whole rows). */
export const BATCH_ATTEMPTS = 128;

/** seq, attempts, bytes, body_bytes. */
type BoundRow = [number, number, number, number];

/** The lines of a deflated text column. */
function lines(deflated: Buffer): string[] {
  return inflateRawSync(deflated).toString('utf8').split('\n');
}

/** The attempts of one batch row, encoded as they come; `row` once deflated. */
interface Batch {
  readonly summaries: Appender;
  readonly records: Appender;
  readonly bodies: Appender;
  ids: string;
  attempts: number;
  row?: unknown[];
}

function newBatch(): Batch {
  return { summaries: new Appender(16_384), records: new Appender(65_536), bodies: new Appender(262_144), ids: ' ', attempts: 0 };
}

/** The recent deliveries of every process sharing one sqlite store file. */
export class SqliteHistory implements DeliveryHistory {
  readonly persistent = true;
  readonly limits: HistoryLimits;
  private readonly db: BetterSqlite3.Database;
  private readonly insert: BetterSqlite3.Statement;
  private readonly allSummaries: BetterSqlite3.Statement;
  private readonly rowsOf: BetterSqlite3.Statement;
  private readonly boundRows: BetterSqlite3.Statement;
  private readonly dropBodies: BetterSqlite3.Statement;
  private readonly deleteUpTo: BetterSqlite3.Statement;
  private readonly listeners = new Set<(summary: DeliverySummary, attempt: AttemptRecord) => void>();
  /** Attempts recorded since the last write, oldest first: encoded when written. */
  private held: AttemptEntry[] = [];
  /** Sealed batches, oldest first, inserted in this order once deflated. */
  private sealed: Batch[] = [];
  /** Recent ids, with their attempts, for listeners' summaries without a read (counted while there are listeners). */
  private readonly counts = new Map<string, number>();
  private sincePrune = 0;
  private bytesSincePrune = 0;
  /** Attempts between two applications of the bounds. */
  private readonly pruneEvery: number;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly heads = new SummaryLines();
  private readonly write = (): void => this.writeSealed();
  private readonly due = (): void => this.deflateAsync();

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
    this.insert = db.prepare('INSERT INTO history (recorded_at, attempts, bytes, body_bytes, ids, summaries, records, bodies) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.allSummaries = db.prepare('SELECT seq, summaries FROM history ORDER BY seq DESC').raw(true);
    this.rowsOf = db.prepare('SELECT summaries, records, bodies FROM history WHERE instr(ids, ?) > 0 ORDER BY seq').raw(true);
    this.boundRows = db.prepare('SELECT seq, attempts, bytes, body_bytes FROM history ORDER BY seq').raw(true);
    this.dropBodies = db.prepare('UPDATE history SET bodies = NULL, bytes = bytes - body_bytes, body_bytes = 0 WHERE seq <= ? AND seq > ? AND body_bytes > 0');
    this.deleteUpTo = db.prepare('DELETE FROM history WHERE seq <= ?');
  }

  /** @inheritdoc */
  record(entry: AttemptEntry): void {
    if (this.closed) return;
    const held = this.held;
    if (held.length === 0) this.timer = setTimeout(this.due, BATCH_MS).unref();
    held.push(entry);
    // Bounded in memory too: past twice the bound, the older half could never be written.
    if (held.length >= 2 * this.limits.maxAttempts) held.splice(0, held.length - this.limits.maxAttempts);
    if (this.listeners.size > 0) {
      const a = entry.attempt;
      // Counted only while someone listens (the page is open); before that, the attempt's number.
      const known = this.counts.get(entry.id);
      const attempts = known === undefined ? a.number : known + 1;
      if (known !== undefined) this.counts.delete(entry.id);
      this.counts.set(entry.id, attempts);
      if (this.counts.size > this.limits.maxAttempts) this.counts.delete(this.counts.keys().next().value as string);
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

  /**
   * Encodes the attempts held since the last write into batches of up to
   * {@link BATCH_ATTEMPTS} and queues them; returns them. Only the newest
   * `max_attempts` are encoded: the bound would delete the others at once.
   */
  private seal(): Batch[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    if (held.length === 0) return [];
    this.held = [];
    const out: Batch[] = [];
    let b: Batch | undefined;
    for (let i = Math.max(0, held.length - this.limits.maxAttempts); i < held.length; i++) {
      if (b === undefined || b.attempts >= BATCH_ATTEMPTS) out.push((b = newBatch()));
      this.encode(b, held[i]!);
    }
    this.sealed.push(...out);
    return out;
  }

  /** One attempt into a batch's buffers. */
  private encode(b: Batch, entry: AttemptEntry): void {
    const a = entry.attempt;
    let offset = -1;
    if (a.number === 1) {
      // The body goes with a delivery's first attempt (a redelivery's too): a retry's is the same,
      // and one resumed from the sqlite store had its first attempt recorded in the same file.
      offset = b.bodies.length;
      b.bodies.bytes(entry.body);
    }
    b.summaries.line(this.heads.line(entry, offset));
    b.records.line(JSON.stringify(a));
    b.ids += `${entry.id} `;
    b.attempts++;
  }

  /** Seals what is held and deflates it in libuv's pool (off this thread); a batch is written once its three parts are. */
  private deflateAsync(): void {
    for (const b of this.seal()) {
      const parts: Buffer[] = [];
      let left = 3;
      const done = (i: number) => (err: Error | null, out: Buffer) => {
        if (b.row !== undefined || this.closed) return; // deflated here meanwhile, for a read or close
        if (err) return this.finish(); // not expected of deflate: then deflated here
        parts[i] = out;
        if (--left > 0) return;
        b.row = this.row(b, parts[0]!, parts[1]!, parts[2]);
        this.store.batch(this.write);
      };
      deflateRaw(b.summaries.view(true), DEFLATE, done(0));
      deflateRaw(b.records.view(true), DEFLATE, done(1));
      if (b.bodies.length > 0) deflateRaw(b.bodies.view(false), DEFLATE, done(2));
      else left--;
    }
  }

  /** The values of a batch's row. */
  private row(b: Batch, summaries: Buffer, records: Buffer, bodies: Buffer | undefined): unknown[] {
    const bodyBytes = bodies?.byteLength ?? 0;
    const bytes = summaries.byteLength + records.byteLength + bodyBytes + ENTRY_OVERHEAD * b.attempts;
    return [Date.now(), b.attempts, bytes, bodyBytes, b.ids, summaries, records, bodies ?? null];
  }

  /** Seals the open batch, deflates here what is not deflated yet, and has the store write them with its next batch. */
  private finish(): void {
    this.seal();
    for (const b of this.sealed) {
      if (b.row !== undefined) continue;
      const bodies = b.bodies.length > 0 ? deflateRawSync(b.bodies.view(false), DEFLATE) : undefined;
      b.row = this.row(b, deflateRawSync(b.summaries.view(true), DEFLATE), deflateRawSync(b.records.view(true), DEFLATE), bodies);
    }
    if (this.sealed.length > 0) this.store.batch(this.write);
  }

  /** Inside the store's transaction: the sealed batches that are deflated, in order, then the bounds every so often. */
  private writeSealed(): void {
    let n = 0;
    while (n < this.sealed.length && this.sealed[n]!.row !== undefined) n++;
    for (const b of this.sealed.splice(0, n)) {
      const row = b.row!;
      this.insert.run(row);
      this.sincePrune += b.attempts;
      this.bytesSincePrune += row[2] as number;
    }
    if (this.sincePrune >= this.pruneEvery || this.bytesSincePrune * 10 >= this.limits.maxBytes) {
      this.sincePrune = 0;
      this.bytesSincePrune = 0;
      this.prune();
    }
  }

  /** Brings the whole file within the bounds: bodies of the oldest rows first (for bytes), then the oldest rows; the newest row stays. */
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
      if (r[3] === 0) continue;
      bytes -= r[3];
      r[2] -= r[3];
      bodiesUpTo = r[0];
    }
    let deleteUpTo = -1;
    for (let i = 0; i < rows.length - 1 && (attempts > maxAttempts || bytes > maxBytes); i++) {
      const r = rows[i]!;
      attempts -= r[1];
      bytes -= r[2];
      deleteUpTo = r[0];
    }
    if (bodiesUpTo > deleteUpTo) this.dropBodies.run(bodiesUpTo, deleteUpTo);
    if (deleteUpTo >= 0) this.deleteUpTo.run(deleteUpTo);
  }

  /** What is batched, committed now (so this process reads its own last attempts); false once closed. */
  private commit(): boolean {
    if (this.closed) return false;
    this.finish();
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
    const rows = this.allSummaries.all() as [number, Buffer][];
    const views = rows.map(([seq, summaries]): BatchView => ({ seq, summaries: () => lines(summaries), records: () => [], body: () => undefined }));
    const all = [...deliveriesOf(views).values()].filter((k) => matches(k.summary, query));
    all.sort((x, y) => y.firstSeq - x.firstSeq || y.firstLine - x.firstLine);
    return all.slice(0, Math.max(0, query.limit ?? 100)).map((k) => k.summary);
  }

  /** @inheritdoc */
  get(id: string): DeliveryRecord | undefined {
    if (!this.commit()) return undefined;
    const rows = this.rowsOf.all(` ${id} `) as [Buffer, Buffer, Buffer | null][];
    return recordOf(
      id,
      rows.map(([summaries, records, bodies], seq): BatchView => {
        let raw: Buffer | undefined;
        return {
          seq,
          summaries: () => lines(summaries),
          records: () => lines(records),
          body: (offset, size) => (bodies === null ? undefined : new Uint8Array((raw ??= inflateRawSync(bodies)).subarray(offset, offset + size))),
        };
      }),
    );
  }

  /** @inheritdoc */
  subscribe(listener: (summary: DeliverySummary, attempt: AttemptRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops recording; what is batched is written with the store's last batch (the store closes after). */
  close(): void {
    this.listeners.clear();
    this.finish();
    this.closed = true;
  }
}
