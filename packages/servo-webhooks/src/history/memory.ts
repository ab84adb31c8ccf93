/**
 * The delivery history in process memory, for the memory store: bounded by
 * attempts and by bytes.
 *
 * It keeps the entries the engine hands over as they are: an attempt's
 * record (masked headers, the answer's excerpt) is built only when the page
 * reads it, so recording costs delivery a slot in a ring (bench/observe.mjs:
 * encoding each attempt as it came cost a servo with its endpoint on 15% of
 * its throughput). A delivery's body is held by its first attempt's slot.
 * Past the byte bound the oldest bodies leave first (their records stay: the
 * page still lists them, and Redeliver says the body has left), then the
 * oldest attempts; past the attempt bound the oldest attempts leave.
 * @module
 */
import { ReportedAttempt } from './entry.js';
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

/** Counted per attempt beside its body and answer: the record's headers, numbers and strings, approximated. */
const ENTRY_OVERHEAD = 512;

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

/** One recorded attempt. */
interface Slot {
  readonly e: AttemptEntry;
  /** The delivery's body, on its first attempt's slot until it leaves. */
  body: Uint8Array | undefined;
  /** What the slot counts in the byte bound. */
  bytes: number;
}

/** Number, start, latency and status of an entry's attempt; the engine's entries tell them without building the record. */
function facts(e: AttemptEntry): { readonly number: number; readonly startedAt: number; readonly durationMs: number; readonly status?: number | undefined } {
  return e instanceof ReportedAttempt ? e : e.attempt;
}

/** The summary of a delivery from its newest slot. */
function summaryOf(e: AttemptEntry, attempts: number, createdAt: number): DeliverySummary {
  const f = facts(e);
  const s: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] } = {
    id: e.id,
    webhook: e.webhook,
    event: e.event,
    kind: e.kind,
    createdAt,
    attempts,
    outcome: e.outcome,
    lastAttemptAt: f.startedAt,
    latencyMs: f.durationMs,
  };
  if (f.status !== undefined) s.status = f.status;
  return s;
}

/** The recent deliveries of this process, in memory. */
export class MemoryHistory implements DeliveryHistory {
  readonly persistent = false;
  readonly limits: HistoryLimits;
  /** Oldest first; `head` is the first slot still held (the array is compacted now and then). */
  private slots: Slot[] = [];
  private head = 0;
  private byteCount = 0;
  private readonly listeners = new Set<(summary: DeliverySummary, attempt: AttemptRecord) => void>();
  /** Recent ids, with their attempts, for listeners' summaries (counted while there are listeners). */
  private readonly counts = new Map<string, number>();

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = {
      maxAttempts: Math.max(1, limits.maxAttempts ?? HISTORY_DEFAULTS.maxAttempts),
      maxBytes: Math.max(0, limits.maxBytes ?? HISTORY_DEFAULTS.maxBytes),
    };
  }

  /** Attempts and bytes held now. */
  get size(): { attempts: number; bytes: number } {
    return { attempts: this.slots.length - this.head, bytes: this.byteCount };
  }

  /** @inheritdoc */
  record(e: AttemptEntry): void {
    const first = facts(e).number === 1;
    const answer = e instanceof ReportedAttempt ? e.answerBytes : (e.attempt.responseExcerpt?.length ?? 0);
    const bytes = ENTRY_OVERHEAD + answer + (first ? e.body.byteLength : 0);
    // A body goes with a delivery's first attempt (a redelivery's too): its retries send the same bytes.
    // Held, not copied: the bytes are the delivery's own, never changed once signed (a copy of each body,
    // an off-heap allocation, cost bench/observe.mjs 12% of its throughput).
    this.slots.push({ e, body: first ? e.body : undefined, bytes });
    this.byteCount += bytes;
    if (this.slots.length - this.head > this.limits.maxAttempts || this.byteCount > this.limits.maxBytes) this.bound();
    if (this.listeners.size > 0) this.tell(e);
  }

  /** Brings the history back within its bounds: for bytes, the oldest bodies first; then the oldest attempts. */
  private bound(): void {
    const { maxAttempts, maxBytes } = this.limits;
    const slots = this.slots;
    for (let i = this.head; i < slots.length && this.byteCount > maxBytes; i++) {
      const s = slots[i]!;
      if (s.body === undefined) continue;
      s.bytes -= s.body.byteLength;
      this.byteCount -= s.body.byteLength;
      s.body = undefined;
    }
    // The newest attempt stays whatever it weighs: the page shows at least the last one.
    while (slots.length - this.head > 1 && (slots.length - this.head > maxAttempts || this.byteCount > maxBytes)) {
      this.byteCount -= slots[this.head]!.bytes;
      slots[this.head++] = undefined as unknown as Slot;
    }
    if (this.head > 1024 && this.head * 2 > slots.length) {
      this.slots = slots.slice(this.head);
      this.head = 0;
    }
  }

  /** Tells the listeners of an attempt. */
  private tell(e: AttemptEntry): void {
    // Counted only while someone listens (the page is open); before that, the attempt's number.
    const known = this.counts.get(e.id);
    const attempts = known === undefined ? facts(e).number : known + 1;
    if (known !== undefined) this.counts.delete(e.id);
    this.counts.set(e.id, attempts);
    if (this.counts.size > this.limits.maxAttempts) this.counts.delete(this.counts.keys().next().value as string);
    notify(this.listeners, summaryOf(e, attempts, e.createdAt), e.attempt);
  }

  /** @inheritdoc */
  list(query: HistoryQuery = {}): DeliverySummary[] {
    // Newest slot of each id first, then its older ones: counts, creation time, and the order of first attempts.
    const seen = new Map<string, { newest: AttemptEntry; attempts: number; createdAt: number; first: number }>();
    for (let i = this.slots.length - 1; i >= this.head; i--) {
      const e = this.slots[i]!.e;
      const k = seen.get(e.id);
      if (k === undefined) seen.set(e.id, { newest: e, attempts: 1, createdAt: e.createdAt, first: i });
      else {
        k.attempts++;
        k.first = i;
        if (e.createdAt < k.createdAt) k.createdAt = e.createdAt;
      }
    }
    const limit = Math.max(0, query.limit ?? 100);
    const out: DeliverySummary[] = [];
    for (const k of [...seen.values()].sort((x, y) => y.first - x.first)) {
      if (out.length >= limit) break;
      if (matches(k.newest, query)) out.push(summaryOf(k.newest, k.attempts, k.createdAt));
    }
    return out;
  }

  /** @inheritdoc */
  get(id: string): DeliveryRecord | undefined {
    let newest: AttemptEntry | undefined;
    let body: Uint8Array | undefined;
    let createdAt = Infinity;
    const attemptRecords: AttemptRecord[] = [];
    for (let i = this.head; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      if (s.e.id !== id) continue;
      newest = s.e;
      createdAt = Math.min(createdAt, s.e.createdAt);
      attemptRecords.push(s.e.attempt);
      // The newest copy of the body counts (a redelivery's first attempt holds one again).
      if (s.body !== undefined) body = s.body;
      else if (facts(s.e).number === 1) body = undefined;
    }
    if (newest === undefined) return undefined;
    const rec: { -readonly [K in keyof DeliveryRecord]: DeliveryRecord[K] } = {
      ...summaryOf(newest, attemptRecords.length, createdAt),
      contentType: newest.contentType,
      bodySize: newest.body.byteLength,
      attemptRecords,
    };
    if (body !== undefined) rec.body = body;
    return rec;
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
