/**
 * The delivery history in process memory, for the memory store: bounded by
 * attempts and by bytes. Past the byte bound the oldest bodies leave first
 * (their records stay: the page still lists them, and Redeliver says the
 * body has left), then the oldest deliveries; past the attempt bound the
 * oldest deliveries leave.
 * @module
 */
import { attemptBytes } from './entry.js';
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

/** Fixed cost counted per delivery beside its body and strings. */
const DELIVERY_OVERHEAD = 128;

/** A delivery as this history keeps it (mutable: each attempt updates it). */
interface Kept {
  readonly id: string;
  readonly webhook: string;
  readonly event: string;
  readonly kind: 'queued' | 'gate';
  readonly createdAt: number;
  readonly contentType: string;
  readonly bodySize: number;
  body: Uint8Array | undefined;
  outcome: HistoryOutcome;
  lastAttemptAt: number;
  latencyMs: number;
  status: number | undefined;
  readonly attempts: AttemptRecord[];
  /** Bytes counted for it: body, strings, attempts. */
  bytes: number;
}

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

/** The summary of a kept delivery (a copy: the page may hold it). */
export function summaryOf(k: Kept | DeliveryRecord): DeliverySummary {
  const s: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] } = {
    id: k.id,
    webhook: k.webhook,
    event: k.event,
    kind: k.kind,
    createdAt: k.createdAt,
    attempts: 'attemptRecords' in k ? k.attemptRecords.length : k.attempts.length,
    outcome: k.outcome,
    lastAttemptAt: k.lastAttemptAt,
    latencyMs: k.latencyMs,
  };
  if (k.status !== undefined) s.status = k.status;
  return s;
}

/** Does `s` pass `q`'s filters? */
export function matches(s: { webhook: string; event: string; outcome: HistoryOutcome }, q: HistoryQuery): boolean {
  return (
    (q.webhook === undefined || s.webhook === q.webhook) &&
    (q.event === undefined || s.event === q.event) &&
    (q.outcome === undefined || s.outcome === q.outcome)
  );
}

/** The recent deliveries of this process, in memory. */
export class MemoryHistory implements DeliveryHistory {
  readonly persistent = false;
  readonly limits: HistoryLimits;
  /** Oldest first (by first attempt recorded). */
  private readonly kept = new Map<string, Kept>();
  /** The kept deliveries that still hold their body, oldest first: the byte bound takes these first. */
  private readonly withBody = new Map<string, Kept>();
  private readonly listeners = new Set<(summary: DeliverySummary, attempt: AttemptRecord) => void>();
  private attemptCount = 0;
  private byteCount = 0;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = {
      maxAttempts: Math.max(1, limits.maxAttempts ?? HISTORY_DEFAULTS.maxAttempts),
      maxBytes: Math.max(0, limits.maxBytes ?? HISTORY_DEFAULTS.maxBytes),
    };
  }

  /** Attempts and bytes held now. */
  get size(): { attempts: number; bytes: number } {
    return { attempts: this.attemptCount, bytes: this.byteCount };
  }

  /** @inheritdoc */
  record(entry: AttemptEntry): void {
    const a = entry.attempt;
    let k = this.kept.get(entry.id);
    if (k === undefined) {
      const body = entry.body.slice(); // the engine's bytes may be reused; keep our own
      k = {
        id: entry.id,
        webhook: entry.webhook,
        event: entry.event,
        kind: entry.kind,
        createdAt: entry.createdAt,
        contentType: entry.contentType,
        bodySize: body.byteLength,
        body,
        outcome: entry.outcome,
        lastAttemptAt: a.startedAt,
        latencyMs: a.durationMs,
        status: a.status,
        attempts: [],
        bytes: DELIVERY_OVERHEAD + body.byteLength + entry.id.length + entry.webhook.length + entry.event.length + entry.contentType.length,
      };
      this.kept.set(k.id, k);
      this.withBody.set(k.id, k);
      this.byteCount += k.bytes;
    } else {
      if (k.body === undefined && entry.body.byteLength === k.bodySize) {
        // Redelivered from a dead letter: its body is back.
        k.body = entry.body.slice();
        k.bytes += k.bodySize;
        this.byteCount += k.bodySize;
        this.withBody.set(k.id, k);
      }
      k.outcome = entry.outcome;
      k.lastAttemptAt = a.startedAt;
      k.latencyMs = a.durationMs;
      k.status = a.status;
    }
    const size = attemptBytes(a);
    k.attempts.push(a);
    k.bytes += size;
    this.byteCount += size;
    this.attemptCount++;
    this.bound(k);
    if (this.listeners.size > 0) notify(this.listeners, summaryOf(k), a);
  }

  /** Brings the history back within its bounds; `current` (just recorded) leaves last. */
  private bound(current: Kept): void {
    const { maxAttempts, maxBytes } = this.limits;
    while (this.byteCount > maxBytes && this.withBody.size > 0) {
      const [id, k] = this.withBody.entries().next().value as [string, Kept];
      this.withBody.delete(id);
      k.body = undefined;
      k.bytes -= k.bodySize;
      this.byteCount -= k.bodySize;
    }
    while ((this.attemptCount > maxAttempts || this.byteCount > maxBytes) && this.kept.size > 1) {
      const oldest = this.kept.values().next().value as Kept;
      if (oldest === current) break;
      this.forget(oldest);
    }
    // One delivery alone past the bounds: its oldest attempts leave.
    while ((this.attemptCount > maxAttempts || this.byteCount > maxBytes) && current.attempts.length > 1) {
      const a = current.attempts.shift()!;
      const size = attemptBytes(a);
      current.bytes -= size;
      this.byteCount -= size;
      this.attemptCount--;
    }
  }

  private forget(k: Kept): void {
    this.kept.delete(k.id);
    this.withBody.delete(k.id);
    this.attemptCount -= k.attempts.length;
    this.byteCount -= k.bytes;
  }

  /** @inheritdoc */
  list(query: HistoryQuery = {}): DeliverySummary[] {
    const limit = query.limit ?? 100;
    const out: DeliverySummary[] = [];
    if (limit <= 0) return out;
    const all = [...this.kept.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const k = all[i]!;
      if (matches(k, query)) out.push(summaryOf(k));
    }
    return out;
  }

  /** @inheritdoc */
  get(id: string): DeliveryRecord | undefined {
    const k = this.kept.get(id);
    if (k === undefined) return undefined;
    const rec: DeliveryRecord = { ...summaryOf(k), contentType: k.contentType, bodySize: k.bodySize, attemptRecords: [...k.attempts] };
    return k.body === undefined ? rec : { ...rec, body: k.body };
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
