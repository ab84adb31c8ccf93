/**
 * Domain types of the delivery engine.
 * @module
 */

/** Retry policy of an endpoint; `false` sends each delivery once. */
export interface RetryPolicy {
  /** Total attempts per delivery, the first included (>= 1). */
  maxTries: number;
  /** Give up once this long has passed since the delivery was created. */
  maxTimeMs: number;
}

/** A configured receiver (already validated by the config layer). */
export interface WebhookEndpoint {
  /** Unique name; used in logs instead of the URL (which may embed tokens). */
  name: string;
  /** `http:` or `https:` URL the POSTs go to. */
  url: string;
  /** Signing secret, or secrets (rotation: the first signs x-servo-signature, each adds a v1 signature); never logged. */
  secret: string | readonly string[];
  /** `whsk_` ed25519 key adding a `v1a` signature; never logged. */
  signingKey?: string | undefined;
  /** Extra request headers; keys that would override signature, content or id headers are dropped. */
  headers: Record<string, string>;
  /** Retry policy, or `false` for a single attempt. */
  retry: RetryPolicy | false;
  /** Budget of one attempt, response headers and body included. */
  timeoutMs: number;
}

/** One message to one endpoint; its `id` is the idempotency key, identical on every attempt. */
export interface Delivery {
  /** `msg_` + a ULID, or the caller's id. */
  id: string;
  /** Endpoint name. */
  webhook: string;
  /** Event name, e.g. `after:measure` or `channel:NAME`. */
  event: string;
  /** Exact bytes signed and sent. */
  body: Uint8Array;
  /** `content-type` header sent with the body. */
  contentType: string;
  /** Creation time, ms since the epoch (the retry policy's `maxTimeMs` counts from here). */
  createdAt: number;
  /** Attempts made so far. */
  attempts: number;
  /** Earliest time of the next attempt, ms since the epoch. */
  nextAttemptAt: number;
}

/** What the caller supplies to enqueue or send. */
export interface DeliveryInput {
  /** Endpoint name. */
  webhook: string;
  /** Event name. */
  event: string;
  /** Exact bytes to sign and send. */
  body: Uint8Array;
  /** `content-type` of the body. */
  contentType: string;
  /** Idempotency key; default `msg_` + a new ULID. */
  id?: string;
}

/** How an attempt ended. */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'gone' | 'redirect';

/** The record of one attempt (also the shape of the attempt log line's data). */
export interface Attempt {
  deliveryId: string;
  webhook: string;
  event: string;
  /** 1-based attempt number. */
  number: number;
  /** Start of the attempt, ms since the epoch (engine clock). */
  startedAt: number;
  durationMs: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** `CODE: message` of the failure, when there was one. */
  error?: string;
  /** Why a retryable failure was not retried, when the error alone does not say (e.g. `Retry-After 277777h exceeds max_time 5m`). */
  reason?: string;
  outcome: AttemptOutcome;
}

/** The receiver's answer to one attempt. */
export interface WebhookResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body, up to the engine's `bodyCap`. */
  body: Uint8Array;
  /** True when the body was longer than `bodyCap` and the rest was discarded. */
  truncated: boolean;
  /** Time from sending to the end of the body, in ms. */
  durationMs: number;
}

/** A delivery given up on, with the reason. */
export interface DeadDelivery extends Delivery {
  /** `CODE: message` of the last failure. */
  error: string;
  /** When it was given up on, ms since the epoch. */
  failedAt: number;
}

/** Pending and dead-letter counts of one endpoint in a store. */
export interface StoreCounts {
  pending: number;
  dead: number;
}

/**
 * What every store keeps (strategy; see `MemoryStore`, `SqliteStore`): the
 * dead-letter list, the record of disabled endpoints, and counts. Pending
 * deliveries of a memory store live in the engine's backlogs only.
 */
export interface DeliveryStore {
  /** True for a {@link PersistentStore}: pending deliveries survive a restart. */
  readonly persistent: boolean;
  /** Moves a delivery to the dead-letter list with its last error. */
  deadLetter(delivery: Delivery, error: string, failedAt: number): void;
  /** Dead-letter entries, newest first (`id`: only that one). */
  dead(query?: { webhook?: string; id?: string; limit?: number }): DeadDelivery[];
  /** Takes a delivery off the dead-letter list (redelivered); committed when this returns. True if it was there. */
  removeDead(id: string): boolean;
  /** Counts per endpoint name. */
  counts(): Record<string, StoreCounts>;
  /**
   * Records that an endpoint was disabled (a 410 Gone) with the reason, or
   * clears the record (`reason` null). A persistent store is how
   * `servo webhooks enable` reaches a running servo.
   */
  setDisabled(webhook: string, reason: string | null, at: number): void;
  /** Endpoints recorded as disabled. */
  disabled(): Record<string, { reason: string; since: number }>;
  /** Commits any batched writes now. */
  flush(): void;
  /** Why writes cannot be committed now (a full disk, an I/O error), after trying them again; undefined while they can. */
  writeFailure?(): Error | undefined;
  /** Flushes and releases the store. */
  close(): void;
}

/**
 * A store that also keeps pending deliveries, across restarts: nothing is
 * ever dropped. The engine holds a bounded window of them in memory and
 * claims the rest as it has room. Processes sharing the store each hold
 * their own rows: a row is held by one process at a time (a lease), and rows
 * whose holder stopped or died are claimed by another.
 */
export interface PersistentStore extends DeliveryStore {
  readonly persistent: true;
  /** Lease length, ms: how long the rows of a process that died stay with it before another claims them. */
  readonly leaseMs: number;
  /**
   * Stores a new pending delivery, committed when this returns. `held`: this
   * process holds it (in memory) from now on; otherwise it waits in the store
   * for whichever process claims it first.
   */
  add(delivery: Delivery, held: boolean): void;
  /**
   * True while batched writes (reschedule, remove, deadLetter) wait for their
   * first commit attempt: a drain waits for it, so what it reports is what
   * the store recorded.
   */
  readonly committing: boolean;
  /**
   * Records a failed attempt and when to try again. Batched: `done(true)`
   * once committed; `done(false)` once if the first commit fails (the write
   * is kept and tried again with later ones).
   */
  reschedule(id: string, attempts: number, nextAttemptAt: number, done?: (committed: boolean) => void): void;
  /** Forgets a pending delivery (delivered); batched, `done` as for {@link PersistentStore.reschedule}. */
  remove(id: string, done?: (committed: boolean) => void): void;
  /** Moves a delivery to the dead-letter list; batched, `done` as for {@link PersistentStore.reschedule}. */
  deadLetter(delivery: Delivery, error: string, failedAt: number, done?: (committed: boolean) => void): void;
  /**
   * Takes up to `limit` pending deliveries of one endpoint that no live
   * process holds, oldest first, in one atomic step: they are this process's
   * until it removes them, closes, or dies and its lease expires.
   */
  claim(query: { webhook: string; limit: number }): Delivery[];
}

/** Structural logger (the pino call shape), compatible with servo-core's `Logger`. */
export interface DeliveryLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /**
   * Optional (pino has it): false when lines of `level` are dropped. The
   * engine then skips building its per-attempt line at all.
   */
  isLevelEnabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

/**
 * Time source of the engine. `setTimer` lets tests drive scheduling (retry
 * waits, breaker cooldowns) with a fake clock; the default uses unref'd
 * `setTimeout`. Attempt timeouts always use real time.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. The timer must not keep the process alive. */
  setTimer?(fn: () => void, ms: number): () => void;
}

/** Result of {@link DeliveryEngine.send}. */
export type SendOutcome = { ok: true; response: WebhookResponse; attempts: number } | { ok: false; error: Error; attempts: number; response?: WebhookResponse };

/** Totals logged and returned by {@link DeliveryEngine.drain}. */
export interface DrainSummary {
  /** Deliveries delivered since the engine started. */
  delivered: number;
  /** Deliveries still pending (left in the store; lost with a memory store). */
  pending: number;
  /** Deliveries dead-lettered since the engine started. */
  dead: number;
  /** Deliveries dropped (queue full, memory store) since the engine started. */
  dropped: number;
  /** Memory store: the deliveries lost with the process (the first 20), so they can be told and replayed. */
  lost: { id: string; webhook: string; event: string }[];
}

/** Per-endpoint counters of {@link DeliveryEngine.stats}. */
export interface EndpointStats {
  /** Deliveries delivered (2xx). */
  delivered: number;
  /** Failed attempts that were followed by a retry. */
  retried: number;
  /** Failed attempts (any reason, retried or not). */
  failed: number;
  /** Deliveries dropped because the memory queue was full. */
  dropped: number;
  /** Deliveries given up on and dead-lettered. */
  dead: number;
  /** Pending deliveries (in memory, or in the persistent store). */
  queueDepth: number;
  circuit: 'closed' | 'open' | 'half-open';
  /** True after a 410 Gone, until `enable(name)`. */
  disabled: boolean;
}
