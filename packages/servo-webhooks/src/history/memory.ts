/**
 * The delivery history in process memory, for the memory store: bounded by
 * attempts and by bytes.
 *
 * Attempts are encoded as they are recorded (a summary line, the record as
 * JSON, the body's bytes) into the buffers of a chunk of up to
 * {@link CHUNK_ATTEMPTS}, off the JavaScript heap: holding 1,000 deliveries
 * as objects made each of them old garbage for the collector, and cost
 * bench/observe.mjs (a servo with its HTTP endpoint on) 15% of its throughput.
 * Past the byte bound the oldest bodies leave first (their records stay: the
 * page still lists them, and Redeliver says the body has left), then the
 * oldest chunks; past the attempt bound the oldest chunks leave.
 * @module
 */
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
  type HistoryOutcome,
  type HistoryQuery,
} from './types.js';

/** Fixed cost counted per attempt beside what it keeps. */
const ENTRY_OVERHEAD = 64;
/** Attempts per chunk at most (fewer for small bounds, so they hold what they say). */
export const CHUNK_ATTEMPTS = 64;

/** Calls every listener; a throw stays here. */
export function notify(
  listeners: ReadonlySet<(summary: DeliverySummary, attempt: AttemptRecord) => void>,
  summary: DeliverySummary,
  attempt: AttemptRecord,
): void {
  for (const listener of listeners) {
    try {
      listener(summary, attempt);
    } catch {
      // A page's listener must never reach delivery.
    }
  }
}

/** Does `s` pass `q`'s filters? */
export function matches(s: { webhook: string; event: string; outcome: HistoryOutcome }, q: HistoryQuery): boolean {
  return (
    (q.webhook === undefined || s.webhook === q.webhook) &&
    (q.event === undefined || s.event === q.event) &&
    (q.outcome === undefined || s.outcome === q.outcome)
  );
}

/** Attempts in one chunk. */
interface Chunk {
  readonly seq: number;
  readonly summaries: Appender;
  readonly records: Appender;
  bodies: Appender;
  /** Bytes of `bodies` that have left from its start (bodies leave oldest first). */
  bodiesGone: number;
  ids: string;
  attempts: number;
}

/** The recent deliveries of this process, in memory. */
export class MemoryHistory implements DeliveryHistory {
  readonly persistent = false;
  readonly limits: HistoryLimits;
  private readonly chunks: Chunk[] = [];
  private readonly chunkAttempts: number;
  private readonly listeners = new Set<(summary: DeliverySummary, attempt: AttemptRecord) => void>();
  private readonly lines = new SummaryLines();
  /** Recent ids, with their attempts, for listeners' summaries (counted while there are listeners). */
  private readonly counts = new Map<string, number>();
  private attemptCount = 0;
  private byteCount = 0;
  private seq = 0;
  /** The last chunk that left, whose buffers the next chunk takes. */
  private spare: Chunk | undefined;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = {
      maxAttempts: Math.max(1, limits.maxAttempts ?? HISTORY_DEFAULTS.maxAttempts),
      maxBytes: Math.max(0, limits.maxBytes ?? HISTORY_DEFAULTS.maxBytes),
    };
    this.chunkAttempts = Math.max(1, Math.min(CHUNK_ATTEMPTS, Math.floor(this.limits.maxAttempts / 16)));
  }

  /** Attempts and bytes held now. */
  get size(): { attempts: number; bytes: number } {
    return { attempts: this.attemptCount, bytes: this.byteCount };
  }

  /** @inheritdoc */
  record(entry: AttemptEntry): void {
    const a = entry.attempt;
    let c = this.chunks[this.chunks.length - 1];
    if (c === undefined || c.attempts >= this.chunkAttempts) {
      c = this.newChunk();
      this.chunks.push(c);
    }
    const before = c.summaries.length + c.records.length + c.bodies.length;
    let offset = -1;
    if (a.number === 1) {
      // The body goes with a delivery's first attempt (a redelivery's too): a retry's is the same,
      // and one resumed from the sqlite store had its first attempt recorded in the same file.
      offset = c.bodies.length;
      c.bodies.bytes(entry.body);
    }
    c.summaries.line(this.lines.line(entry, offset));
    c.records.line(JSON.stringify(a));
    c.ids += `${entry.id} `;
    c.attempts++;
    this.attemptCount++;
    this.byteCount += c.summaries.length + c.records.length + c.bodies.length - before + ENTRY_OVERHEAD;
    if (this.attemptCount > this.limits.maxAttempts || this.byteCount > this.limits.maxBytes) this.bound();
    if (this.listeners.size > 0) {
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

  /** A chunk, reusing the buffers of one that left. */
  private newChunk(): Chunk {
    const old = this.spare;
    this.spare = undefined;
    if (old !== undefined) {
      old.summaries.reset();
      old.records.reset();
      old.bodies.reset();
      return { seq: this.seq++, summaries: old.summaries, records: old.records, bodies: old.bodies, bodiesGone: 0, ids: ' ', attempts: 0 };
    }
    const n = this.chunkAttempts;
    return {
      seq: this.seq++,
      summaries: new Appender(128 * n),
      records: new Appender(1024 * n),
      bodies: new Appender(2048 * n),
      bodiesGone: 0,
      ids: ' ',
      attempts: 0,
    };
  }

  /** Brings the history back within its bounds: bodies first (for bytes), oldest first; then whole chunks; the newest chunk stays. */
  private bound(): void {
    const { maxAttempts, maxBytes } = this.limits;
    for (const c of this.chunks) {
      if (this.byteCount <= maxBytes) break;
      // The oldest bodies of this chunk leave: the rest are copied to a buffer of their own size.
      const lines = c.summaries.lines();
      let keepFrom = c.bodies.length + c.bodiesGone;
      let freed = 0;
      for (const text of lines) {
        const l = JSON.parse(text) as [unknown, unknown, unknown, unknown, unknown, unknown, unknown, number, number];
        if (l[8] < c.bodiesGone) continue;
        if (this.byteCount - freed <= maxBytes) {
          keepFrom = Math.min(keepFrom, l[8]);
          continue;
        }
        freed += l[7];
        keepFrom = l[8] + l[7];
      }
      if (freed === 0) continue;
      const rest = c.bodies.view(false).subarray(keepFrom - c.bodiesGone);
      const bodies = new Appender(Math.max(1, rest.byteLength));
      bodies.bytes(rest);
      this.byteCount -= c.bodies.length - bodies.length;
      c.bodies = bodies;
      c.bodiesGone = keepFrom;
    }
    while ((this.attemptCount > maxAttempts || this.byteCount > maxBytes) && this.chunks.length > 1) {
      const c = this.chunks.shift()!;
      this.spare = c;
      this.attemptCount -= c.attempts;
      this.byteCount -= c.summaries.length + c.records.length + c.bodies.length + ENTRY_OVERHEAD * c.attempts;
    }
  }

  /** Chunks as batches to read, in the order given. */
  private views(chunks: readonly Chunk[]): BatchView[] {
    return chunks.map((c) => ({
      seq: c.seq,
      summaries: () => c.summaries.lines(),
      records: () => c.records.lines(),
      body: (offset, size) =>
        offset < c.bodiesGone ? undefined : new Uint8Array(c.bodies.buf.subarray(offset - c.bodiesGone, offset - c.bodiesGone + size)).slice(),
    }));
  }

  /** @inheritdoc */
  list(query: HistoryQuery = {}): DeliverySummary[] {
    const all = [...deliveriesOf(this.views([...this.chunks].reverse())).values()].filter((k) => matches(k.summary, query));
    all.sort((x, y) => y.firstSeq - x.firstSeq || y.firstLine - x.firstLine);
    return all.slice(0, Math.max(0, query.limit ?? 100)).map((k) => k.summary);
  }

  /** @inheritdoc */
  get(id: string): DeliveryRecord | undefined {
    return recordOf(id, this.views(this.chunks.filter((c) => c.ids.includes(` ${id} `))));
  }

  /** @inheritdoc */
  subscribe(listener: (summary: DeliverySummary, attempt: AttemptRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @inheritdoc */
  close(): void {
    this.listeners.clear();
  }
}
