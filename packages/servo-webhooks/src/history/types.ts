/**
 * The delivery history: the recent attempts of every delivery, queued or a
 * gate's, with what was sent and what came back, for the deliveries page.
 * Bounded by count and by bytes; kept in the sqlite store's file when there
 * is one (every process sharing it writes there), in memory otherwise.
 * @module
 */
import { DELIVERY_DEFAULTS } from '../defaults.js';
import type { AttemptOutcome } from '../delivery/types.js';

/** Bytes of an answer's body the history keeps as its excerpt (4 KiB), decoded as UTF-8. */
export const HISTORY_EXCERPT_BYTES = 4096;

/** Default bounds of a history: 1,000 attempts, 50 MB (`history:` in servo.yaml). */
export const HISTORY_DEFAULTS: HistoryLimits = Object.freeze({
  maxAttempts: DELIVERY_DEFAULTS.historyMaxAttempts,
  maxBytes: DELIVERY_DEFAULTS.historyMaxBytes,
});

/** Where a delivery is, as the history last saw it. */
export type HistoryOutcome =
  /** Failed, another attempt is due. */
  | 'retrying'
  /** A 2xx answer. */
  | 'delivered'
  /** A before-webhook's 2xx answer with the cancel content type: its event was cancelled. */
  | 'cancelled'
  /** Given up on: in the dead-letter list. */
  | 'dead'
  /** Answered 410 Gone: held until the webhook is enabled. */
  | 'gone'
  /** A before-webhook's answer that did not allow the event, or a gate that could not be asked. */
  | 'failed';

/** One attempt as the history keeps it. */
export interface AttemptRecord {
  /**
   * 1-based attempt number, as the attempt's log line says it. A redelivery
   * (same id) numbers its attempts from 1 again; they follow the earlier ones
   * in {@link DeliveryRecord.attemptRecords}.
   */
  readonly number: number;
  /** Start, ms since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
  /** The HTTP status, when an answer came. */
  readonly status?: number;
  /** `CODE: message` of the failure (text from the network or the receiver: escape it before showing it). */
  readonly error?: string;
  /** Why a retryable failure was not retried. */
  readonly reason?: string;
  /**
   * The request headers as sent: the signature headers as they were, the
   * values of the webhook's own `headers:` replaced by `********`.
   */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** The answer's headers (lower-case names). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /** The start of the answer's body, decoded as UTF-8 (at most `HISTORY_EXCERPT_BYTES` bytes). */
  readonly responseExcerpt?: string;
  /** True when the answer's body was longer than the excerpt. */
  readonly responseTruncated?: boolean;
}

/** A delivery as the list shows it: its last attempt's result. */
export interface DeliverySummary {
  /** The delivery id (`webhook-id`, `x-servo-delivery`). */
  readonly id: string;
  readonly webhook: string;
  readonly event: string;
  /** `queued` (an after-webhook or a channel's), or `gate` (a before-webhook, sent while the event waits). */
  readonly kind: 'queued' | 'gate';
  readonly createdAt: number;
  /** Attempts recorded, redeliveries' included. */
  readonly attempts: number;
  readonly outcome: HistoryOutcome;
  /** When the last attempt started. */
  readonly lastAttemptAt: number;
  /** Latency of the last attempt, ms. */
  readonly latencyMs: number;
  /** Status of the last attempt, when it got an answer. */
  readonly status?: number;
}

/** A delivery with its body and every attempt the history still holds, oldest first. */
export interface DeliveryRecord extends DeliverySummary {
  readonly contentType: string;
  /** Size of the body, bytes. */
  readonly bodySize: number;
  /** The body as sent; absent once it has left the history (Redeliver then says so). */
  readonly body?: Uint8Array;
  readonly attemptRecords: readonly AttemptRecord[];
}

/** Which deliveries {@link DeliveryHistory.list} returns, newest first (by when their first attempt was recorded). */
export interface HistoryQuery {
  readonly webhook?: string;
  readonly event?: string;
  readonly outcome?: HistoryOutcome;
  /** At most this many (default 100). */
  readonly limit?: number;
}

/** What the engine hands the history after each attempt: references to the delivery's own bytes and answer, never changed afterwards. */
export interface AttemptEntry {
  readonly id: string;
  readonly webhook: string;
  readonly event: string;
  readonly kind: 'queued' | 'gate';
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly createdAt: number;
  readonly attempt: AttemptRecord;
  /** Where the delivery is after this attempt. */
  readonly outcome: HistoryOutcome;
}

/** Bounds of a history. */
export interface HistoryLimits {
  /** Most attempts kept (default 1,000); the oldest deliveries leave first. */
  readonly maxAttempts: number;
  /**
   * Most bytes kept: bodies, headers and excerpts, approximated (default 50
   * MB). Past it the oldest bodies leave first (their records stay, and
   * Redeliver says the body has left), then the oldest deliveries.
   */
  readonly maxBytes: number;
}

/** The recent deliveries of one connector instance. */
export interface DeliveryHistory {
  /** True when kept in the sqlite store (survives a restart; shows every process sharing the file). */
  readonly persistent: boolean;
  /** Records an attempt; cheap and never throws (a failing store is reported once by the store). */
  record(entry: AttemptEntry): void;
  /** Deliveries, newest first (by when their first attempt was recorded); the oldest leave first. */
  list(query?: HistoryQuery): DeliverySummary[];
  /** One delivery, or undefined when it is not (or no longer) in the history. */
  get(id: string): DeliveryRecord | undefined;
  /**
   * Calls `listener` synchronously after each recorded attempt of this
   * process (a listener's throw is swallowed: it never reaches delivery);
   * returns the unsubscribe.
   */
  subscribe(listener: (summary: DeliverySummary, attempt: AttemptRecord) => void): () => void;
  /** Commits what is batched and lets go of the store. */
  close(): void;
}
