/**
 * The delivery engine: queued, retried, signed POSTs to configured endpoints.
 *
 * Composition: {@link Transport} sends one POST; `retry.ts` classifies the
 * answer and computes the next wait; {@link EndpointQueue} holds each
 * endpoint's deliveries with its own concurrency; {@link CircuitBreaker}
 * pauses an endpoint that keeps failing; a {@link DeliveryStore} keeps
 * pending deliveries (in memory, or in SQLite across restarts).
 * @module
 */

import {
  CircuitOpenError,
  DeadlineExceededError,
  EndpointDisabledError,
  EngineClosedError,
  UnknownEndpointError,
  WebhookAbortedError,
  WebhookGoneError,
  WebhookHttpError,
  WebhookRedirectError,
  WebhookErrorCodes,
} from '../errors.js';
import { RESERVED_HEADERS } from '../headers.js';
import { signRequest } from '../signing.js';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type CircuitState } from './breaker.js';
import { newMessageId } from './id.js';
import { MemoryStore } from './memory-store.js';
import { EndpointQueue } from './queue.js';
import { Spool } from './spool.js';
import { DEFAULT_BACKOFF, classifyStatus, nextRetryDelay, parseRetryAfter, type BackoffOptions, type FailureHint } from './retry.js';
import { AttemptControl, Transport, toTarget, type Target } from './transport.js';
import type {
  Attempt,
  AttemptOutcome,
  Clock,
  DeadDelivery,
  Delivery,
  DeliveryInput,
  DeliveryLogger,
  DeliveryStore,
  DrainSummary,
  EndpointStats,
  SendOutcome,
  WebhookEndpoint,
  WebhookResponse,
} from './types.js';

/** Options of {@link DeliveryEngine}. */
export interface DeliveryEngineOptions {
  /** The receivers (validated config). */
  endpoints: WebhookEndpoint[];
  /** Where pending deliveries live; default a {@link MemoryStore}. The engine closes it in `close()`. */
  store?: DeliveryStore;
  /** `user-agent` header of every request. */
  userAgent: string;
  /**
   * Deliveries held in memory per endpoint; default 10,000. Past it a memory
   * store drops the oldest. A persistent store keeps the rest on disk and the
   * engine holds at most `min(maxQueue, 2,000)` of them in memory, paged in
   * as they are sent (memory stays flat however many are pending).
   */
  maxQueue?: number;
  /** Concurrent attempts per endpoint; default 8. */
  concurrency?: number;
  /** Default time `drain()` waits; default 10 s. */
  drainTimeoutMs?: number;
  /** Circuit breaker: consecutive failures that open it (default 5) and cooldown before a probe (default 30 s). */
  breaker?: Partial<BreakerOptions>;
  /** Minimum wait before retrying after a 429 or a timeout; default 5 s (clamped to the time left). */
  retryFloorMs?: number;
  /** Exponential backoff (full jitter) between retries; default 1 s doubling up to 5 min. */
  backoff?: Partial<BackoffOptions>;
  /** Bytes of response body kept; default 64 KiB. */
  bodyCap?: number;
  /** Negotiate HTTP/2 with TLS receivers that offer it; default false. */
  http2?: boolean;
  /** Path of a PEM file of extra trusted CA certificates. */
  ca?: string;
  /** Where attempt lines and engine events go; default silent. */
  logger?: DeliveryLogger;
  /** Time source (tests inject a fake one); default `Date.now` and unref'd timers. */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter; default `Math.random`. */
  random?: () => number;
  /** Called with the record of every attempt (after it is logged). */
  onAttempt?: (attempt: Attempt) => void;
  /** Called with the receiver's 2xx answer to a queued delivery (`send()` returns its answer instead). */
  onResponse?: (delivery: Delivery, response: WebhookResponse) => void;
}


const MAX_TIMER_MS = 2 ** 31 - 1;

/** How often a running engine looks for `servo webhooks enable` requests while an endpoint is disabled. */
const ENABLE_POLL_MS = 2_000;

/**
 * Memory store: deliveries per endpoint held as objects in its queue; later
 * ones wait packed in its {@link Spool} (see there for why) and are moved into
 * the queue as it empties to half this.
 */
const QUEUE_WINDOW = 256;

/** How many lost deliveries a drain summary names. */
const LOST_LISTED = 20;

/**
 * Most deliveries per endpoint held in memory with a persistent store: enough
 * to keep any concurrency busy between two page-ins, small enough that 100,000
 * pending deliveries cost no more memory than 2,000 (bench/recovery.mjs).
 */
const PERSISTENT_WINDOW = 2_000;

/** Shared, never mutated hints of the common outcomes. */
const NO_HINT: FailureHint = Object.freeze({ slowDown: false });
const SLOW_DOWN: FailureHint = Object.freeze({ slowDown: true });

const silent: DeliveryLogger = { debug() {}, info() {}, warn() {}, error() {} };

function refTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  return () => clearTimeout(t);
}

function realTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  t.unref();
  return () => clearTimeout(t);
}

interface Counters {
  delivered: number;
  retried: number;
  failed: number;
  dropped: number;
  dead: number;
}

/** Everything the engine keeps per endpoint. */
interface EndpointState {
  readonly ep: WebhookEndpoint;
  readonly target: Target;
  /** The endpoint's own headers (lower-case names), or `undefined` when it has none. */
  readonly extraHeaders: Record<string, string> | undefined;
  readonly queue: EndpointQueue;
  /** Memory store only: deliveries waiting behind a full queue, oldest first. */
  readonly spool: Spool;
  readonly breaker: CircuitBreaker;
  readonly counters: Counters;
  disabled: boolean;
  /** Persistent store only: pending rows beyond `cursor` may exist on disk but not in memory. */
  overflow: boolean;
  /** Highest store sequence number held in memory. */
  cursor: number;
  pumpQueued: boolean;
  /** True while `settle()` books an attempt: it pumps at its end, so `enqueue` need not schedule a pump. */
  settling: boolean;
  wakeAt: number;
  cancelWake: (() => void) | undefined;
}

/** What one attempt produced, before the retry decision (every field always set: one object shape). */
interface AttemptResult {
  startedAt: number;
  durationMs: number;
  response: WebhookResponse | undefined;
  error: Error | undefined;
  /** Classification of the answer; `aborted` means no verdict (shutdown or caller abort). */
  kind: AttemptOutcome | 'aborted';
  hint: FailureHint;
}

/** `defaults` overridden by the defined fields of `given` (an explicit `undefined` keeps the default). */
function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (given) for (const k of Object.keys(given) as (keyof T)[]) if (given[k] !== undefined) out[k] = given[k] as T[keyof T];
  return out;
}

/** The body in its own exact-size buffer (a copy unless it already owns one). */
function ownBytes(body: Uint8Array): Uint8Array {
  return body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
}

function errorText(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? code : err.name}: ${err.message}`;
}

/**
 * Sends signed webhook POSTs reliably: per-endpoint queues and concurrency,
 * retries with backoff, a circuit breaker, 410 handling, a bounded memory
 * queue and an optional persistent store.
 * @example
 * const engine = new DeliveryEngine({ endpoints, userAgent: 'servo-webhooks/0.1', logger });
 * engine.start();
 * engine.enqueue({ webhook: 'audit', event: 'after:measure', body, contentType: 'application/json' });
 * await engine.drain();
 * await engine.close();
 */
export class DeliveryEngine {
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly store: DeliveryStore;
  private readonly transport: Transport;
  private readonly logger: DeliveryLogger;
  private readonly clock: Clock;
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  /** Cancels the pending check for enable requests, if one is scheduled. */
  private enableWatch: (() => void) | undefined;
  /** Like setTimer, but a real timer keeps the process alive (someone awaits it). */
  private readonly awaitedTimer: (fn: () => void, ms: number) => () => void;
  private readonly random: () => number;
  private readonly userAgent: string;
  private readonly maxQueue: number;
  /** Deliveries per endpoint held in memory: `maxQueue`, or less with a persistent store. */
  private readonly window: number;
  private readonly concurrency: number;
  private readonly drainTimeoutMs: number;
  private readonly floorMs: number;
  private readonly backoff: BackoffOptions;
  private readonly breakerOptions: BreakerOptions;
  private readonly onAttempt: ((a: Attempt) => void) | undefined;
  private readonly onResponse: ((d: Delivery, r: WebhookResponse) => void) | undefined;
  /** Queued attempts in flight, with their endpoint name (aborted at drain timeout and close). */
  private readonly inflight = new Map<AttemptControl, string>();
  /** Cancellers of running `send()` calls (called by close). */
  private readonly sends = new Set<() => void>();
  private state: 'idle' | 'running' | 'draining' | 'drained' | 'closed' = 'idle';
  private drainPromise: Promise<DrainSummary> | undefined;
  private drainCheck: (() => void) | undefined;
  private finishDrain: (() => void) | undefined;

  constructor(options: DeliveryEngineOptions) {
    this.logger = options.logger ?? silent;
    this.clock = options.clock ?? { now: Date.now };
    this.setTimer = options.clock?.setTimer ? options.clock.setTimer.bind(options.clock) : realTimer;
    this.awaitedTimer = options.clock?.setTimer ? this.setTimer : refTimer;
    this.random = options.random ?? Math.random;
    this.userAgent = options.userAgent;
    this.maxQueue = Math.max(1, options.maxQueue ?? 10_000);
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.floorMs = options.retryFloorMs ?? 5_000;
    this.backoff = withDefaults(DEFAULT_BACKOFF, options.backoff);
    this.breakerOptions = withDefaults(DEFAULT_BREAKER, options.breaker);
    this.onAttempt = options.onAttempt;
    this.onResponse = options.onResponse;
    this.store = options.store ?? new MemoryStore();
    this.window = this.store.persistent ? Math.min(this.maxQueue, PERSISTENT_WINDOW) : this.maxQueue;
    const transportOptions: ConstructorParameters<typeof Transport>[0] = {};
    if (options.http2 !== undefined) transportOptions.http2 = options.http2;
    if (options.ca !== undefined) transportOptions.ca = options.ca;
    if (options.bodyCap !== undefined) transportOptions.bodyCap = options.bodyCap;
    this.transport = new Transport(transportOptions);
    for (const ep of options.endpoints) this.endpoints.set(ep.name, this.initEndpoint(ep));
  }

  private initEndpoint(ep: WebhookEndpoint): EndpointState {
    const extraHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.headers)) {
      const key = k.toLowerCase();
      if (RESERVED_HEADERS.has(key)) this.logger.warn({ webhook: ep.name, header: key }, 'webhook header ignored: set by the engine');
      else extraHeaders[key] = v;
    }
    return {
      ep,
      target: toTarget(ep.url),
      extraHeaders: Object.keys(extraHeaders).length > 0 ? extraHeaders : undefined,
      queue: new EndpointQueue(),
      spool: new Spool(),
      breaker: new CircuitBreaker(this.breakerOptions),
      counters: { delivered: 0, retried: 0, failed: 0, dropped: 0, dead: 0 },
      disabled: false,
      overflow: false,
      cursor: 0,
      pumpQueued: false,
      settling: false,
      wakeAt: Infinity,
      cancelWake: undefined,
    };
  }

  private endpoint(name: string): EndpointState {
    const st = this.endpoints.get(name);
    if (!st) throw new UnknownEndpointError(name, [...this.endpoints.keys()]);
    return st;
  }

  /**
   * Starts delivering: with a persistent store and `resume` (default), also
   * resumes the pending deliveries left by a previous run. Idempotent;
   * `enqueue` calls it (without resuming). A short-lived process that shares
   * the store with a running servo passes `resume: false`, so it delivers only
   * what it queues itself.
   */
  start(options: { resume?: boolean } = {}): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    if (!this.store.persistent || options.resume === false) return;
    // A restart re-enables endpoints a 410 disabled in the previous run.
    for (const name of Object.keys(this.guardStore(() => this.store.disabled()) ?? {})) {
      if (this.endpoints.has(name)) this.guardStore(() => this.store.setDisabled(name, null, this.clock.now()));
    }
    const counts = this.store.counts();
    let resumed = 0;
    for (const st of this.endpoints.values()) {
      st.overflow = true;
      this.pageIn(st);
      resumed += counts[st.ep.name]?.pending ?? 0;
      this.schedulePump(st);
    }
    const orphans = Object.entries(counts).filter(([name, c]) => !this.endpoints.has(name) && c.pending > 0);
    for (const [name, c] of orphans) {
      this.logger.warn({ webhook: name, pending: c.pending }, 'webhook store holds deliveries for an endpoint that is not configured; left in the store');
    }
    if (resumed > 0) this.logger.info({ pending: resumed }, 'webhook deliveries resumed from the store');
  }

  /**
   * Queues a delivery and returns at once (never waits on the network). With a
   * persistent store the delivery is committed before this returns. An `id`
   * already queued for the endpoint returns the queued delivery. The returned
   * object is a snapshot: a delivery behind a long queue waits packed in the
   * endpoint's spool, not as this object.
   * @throws {@link UnknownEndpointError}, {@link EngineClosedError}
   */
  enqueue(input: DeliveryInput): Delivery {
    if (this.state === 'idle') this.start({ resume: false });
    if (this.state !== 'running') throw new EngineClosedError(this.state === 'closed' ? 'closed' : 'draining');
    const st = this.endpoint(input.webhook);
    const now = this.clock.now();
    if (input.id !== undefined) {
      const held = st.queue.get(input.id) ?? st.spool.get(input.id, st.ep.name);
      if (held) return held;
    }
    const d = this.newDelivery(input, now);
    // A memory store would only mirror the queue (one more map entry per held
    // delivery, churned on every send): pending deliveries live in the queue and spool alone.
    const seq = this.store.persistent ? this.store.add(d) : 0;
    if (this.store.persistent) {
      if (!st.overflow && st.queue.size < this.window) {
        st.queue.add(d, now);
        st.cursor = seq;
      } else {
        st.overflow = true; // stays on disk; paged in when the queue has room
      }
    } else {
      const behind = st.spool.length > 0 || st.queue.size >= QUEUE_WINDOW;
      if (!behind || !this.spooled(st, d)) {
        // A Buffer.from() body shares an 8 KB pool slab: one held behind a broken
        // endpoint gets its own bytes, so it does not keep the slab alive.
        if (st.disabled || st.breaker.state(now) !== 'closed') d.body = ownBytes(d.body);
        st.queue.add(d, now);
      }
      while (st.queue.size + st.spool.length > this.maxQueue) {
        const old = st.queue.dropOldest() ?? st.spool.shift(st.ep.name);
        if (!old) break;
        st.counters.dropped++;
        this.logger.warn(
          { webhook: st.ep.name, event: old.event, id: old.id, max_queue: this.maxQueue, dropped: st.counters.dropped },
          'webhook delivery dropped: queue full',
        );
      }
    }
    this.schedulePump(st);
    return d;
  }

  /** Packs `d` into the endpoint's spool; false (and not spooled) for strings too long to pack. */
  private spooled(st: EndpointState, d: Delivery): boolean {
    try {
      st.spool.push(d);
      return true;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return false; // held in the queue instead: order may shift, nothing is lost
    }
  }

  private newDelivery(input: DeliveryInput, now: number): Delivery {
    return {
      id: input.id ?? newMessageId(now),
      webhook: input.webhook,
      event: input.event,
      body: input.body,
      contentType: input.contentType,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
    };
  }

  /** Loads pending rows beyond the cursor from a persistent store, up to the queue bound. */
  private pageIn(st: EndpointState): void {
    if (!st.overflow) return;
    const room = this.window - st.queue.size;
    if (room <= 0) return;
    const rows = this.store.pending({ webhook: st.ep.name, after: st.cursor, limit: room });
    const now = this.clock.now();
    for (const row of rows) {
      st.queue.add(row.delivery, now);
      st.cursor = row.seq;
    }
    if (rows.length < room) st.overflow = false;
  }

  private schedulePump(st: EndpointState): void {
    if (st.pumpQueued || st.settling) return;
    st.pumpQueued = true;
    queueMicrotask(() => {
      st.pumpQueued = false;
      this.pump(st);
    });
  }

  /** Starts as many attempts as the endpoint's concurrency, breaker and state allow. */
  private pump(st: EndpointState): void {
    if ((this.state !== 'running' && this.state !== 'draining') || st.disabled) return;
    const now = this.clock.now();
    if (st.spool.length > 0 && st.queue.size <= QUEUE_WINDOW / 2) {
      while (st.queue.size < QUEUE_WINDOW && st.spool.length > 0) st.queue.add(st.spool.shift(st.ep.name)!, now);
    }
    while (st.queue.inFlight < this.concurrency && st.queue.hasReady(now)) {
      if (!st.breaker.tryAcquire(now)) {
        // Open: wake when a probe is allowed. Half-open with a probe in flight: its end pumps.
        if (st.breaker.state(now) === 'open') this.wake(st, st.breaker.reopensAt(now));
        return;
      }
      this.deliver(st, st.queue.takeReady());
    }
    if (st.queue.inFlight < this.concurrency) {
      const due = st.queue.nextDueAt();
      if (due !== Infinity) this.wake(st, due);
    }
  }

  /** Arms the endpoint's single timer for `at` (unless it already fires earlier). */
  private wake(st: EndpointState, at: number): void {
    if (st.cancelWake && st.wakeAt <= at) return;
    st.cancelWake?.();
    st.wakeAt = at;
    st.cancelWake = this.setTimer(() => {
      st.cancelWake = undefined;
      st.wakeAt = Infinity;
      this.pump(st);
      this.drainCheck?.();
    }, at - this.clock.now());
  }

  /** The request headers of one attempt: one object literal, signatures computed in place. */
  private headersFor(st: EndpointState, d: Delivery, nowMs: number): Record<string, string> {
    const id = d.id;
    const sig = signRequest(st.ep.secret, id, d.body, Math.floor(nowMs / 1000));
    const headers: Record<string, string> = {
      'content-type': d.contentType,
      'user-agent': this.userAgent,
      'x-servo-event': d.event,
      'x-servo-delivery': id,
      'x-servo-signature': sig['x-servo-signature'],
      'webhook-id': id,
      'webhook-timestamp': sig['webhook-timestamp'],
      'webhook-signature': sig['webhook-signature'],
    };
    const extra = st.extraHeaders;
    if (extra !== undefined) for (const k in extra) headers[k] = extra[k]!;
    return headers;
  }

  /**
   * One signed POST (fresh timestamp); `done` gets the classified result,
   * always asynchronously, exactly once. Callback-based: queued deliveries
   * are the hot path and need no promise per attempt.
   */
  private attempt(st: EndpointState, d: Delivery, timeoutMs: number, control: AttemptControl, done: (r: AttemptResult) => void): void {
    const startedAt = this.clock.now();
    const t0 = performance.now();
    let headers: Record<string, string>;
    try {
      headers = this.headersFor(st, d, startedAt);
    } catch (err) {
      queueMicrotask(() => done(this.failure(err, startedAt, t0)));
      return;
    }
    this.transport.dispatch({ target: st.target, headers, body: d.body, timeoutMs, webhook: st.ep.name, control }, (err, response) => {
      done(response !== undefined ? this.classify(st, response, startedAt, t0) : this.failure(err, startedAt, t0));
    });
  }

  /** {@link attempt} as a promise (for `send()`). */
  private attemptOnce(st: EndpointState, d: Delivery, timeoutMs: number, control: AttemptControl): Promise<AttemptResult> {
    return new Promise((resolve) => this.attempt(st, d, timeoutMs, control, resolve));
  }

  /** The result of an attempt that got an HTTP answer. */
  private classify(st: EndpointState, response: WebhookResponse, startedAt: number, t0: number): AttemptResult {
    const durationMs = performance.now() - t0;
    const kind = classifyStatus(response.status);
    if (kind === 'delivered') return { startedAt, durationMs, response, error: undefined, kind, hint: NO_HINT };
    const name = st.ep.name;
    const hint: FailureHint = { slowDown: response.status === 429 };
    if (kind === 'retry') {
      const ra = parseRetryAfter(response.headers['retry-after'], this.clock.now());
      if (ra !== undefined) hint.retryAfterMs = ra;
    }
    const error =
      kind === 'gone'
        ? new WebhookGoneError(name)
        : kind === 'redirect'
          ? new WebhookRedirectError(name, response.status, response.headers['location'])
          : new WebhookHttpError(name, response.status);
    return { startedAt, durationMs, response, error, kind, hint };
  }

  /** The result of an attempt that got no HTTP answer. */
  private failure(err: unknown, startedAt: number, t0: number): AttemptResult {
    const error = err instanceof Error ? err : new Error(String(err));
    const durationMs = performance.now() - t0;
    const code = (error as { code?: unknown }).code;
    if (code === WebhookErrorCodes.aborted) return { startedAt, durationMs, response: undefined, error, kind: 'aborted', hint: NO_HINT };
    const retryable = code === WebhookErrorCodes.timeout || code === WebhookErrorCodes.network;
    return {
      startedAt,
      durationMs,
      response: undefined,
      error,
      kind: retryable ? 'retry' : 'failed',
      hint: code === WebhookErrorCodes.timeout ? SLOW_DOWN : NO_HINT,
    };
  }

  /** Feeds an attempt's verdict to the breaker and the 410 state. */
  private judge(st: EndpointState, r: AttemptResult, d: Delivery, now: number): void {
    if (r.kind === 'aborted') {
      st.breaker.release();
      return;
    }
    if (r.kind === 'retry') {
      if (st.breaker.failure(now)) {
        this.logger.warn(
          { webhook: st.ep.name, failures: this.breakerOptions.failures, cooldown_ms: this.breakerOptions.cooldownMs },
          'webhook circuit opened: deliveries wait',
        );
      }
      return;
    }
    const wasClosed = st.breaker.state(now) === 'closed';
    st.breaker.success();
    if (!wasClosed) this.logger.info({ webhook: st.ep.name }, 'webhook circuit closed');
    if (r.kind === 'gone' && !st.disabled) {
      st.disabled = true;
      this.logger.error(
        { webhook: st.ep.name, event: d.event, id: d.id, status: 410 },
        'webhook endpoint disabled: receiver answered 410 Gone; deliveries are kept until it is enabled again (servo webhooks enable NAME, or a restart)',
      );
      this.guardStore(() => this.store.setDisabled(st.ep.name, `410 Gone (delivery ${d.id})`, this.clock.now()));
      this.watchEnabling();
    }
  }

  /** Writes the one log line of an attempt (unless its level is off) and notifies `onAttempt`. */
  private record(st: EndpointState, d: Delivery, r: AttemptResult, outcome: AttemptOutcome, retryInMs?: number): void {
    const level = outcome === 'delivered' ? 'info' : 'warn';
    const log = this.logger;
    if (log.isLevelEnabled === undefined || log.isLevelEnabled(level)) {
      const line: Record<string, unknown> = { webhook: st.ep.name, event: d.event, id: d.id, attempt: d.attempts };
      if (r.response) line.status = r.response.status;
      else if (r.error) line.error = errorText(r.error);
      line.latency_ms = Math.round(r.durationMs);
      line.outcome = outcome;
      if (outcome === 'redirect') line.location = r.response?.headers['location'];
      if (retryInMs !== undefined) line.retry_in_ms = retryInMs;
      log[level](line, 'webhook attempt');
    }
    if (this.onAttempt) {
      const a: Attempt = { deliveryId: d.id, webhook: st.ep.name, event: d.event, number: d.attempts, startedAt: r.startedAt, durationMs: r.durationMs, outcome };
      if (r.response) a.status = r.response.status;
      if (r.error) a.error = errorText(r.error);
      try {
        this.onAttempt(a);
      } catch (err) {
        this.callbackFailed(err);
      }
    }
  }

  /** Logs the failure of a user callback (never propagated into delivery). */
  private callbackFailed(err: unknown): void {
    this.logger.error({ error: errorText(err as Error) }, 'webhook engine callback failed');
  }

  /** Starts one queued attempt; {@link settle} takes its result. */
  private deliver(st: EndpointState, d: Delivery): void {
    d.attempts++;
    const control = new AttemptControl();
    this.inflight.set(control, st.ep.name);
    this.attempt(st, d, st.ep.timeoutMs, control, (r) => {
      this.inflight.delete(control);
      this.settle(st, d, r);
    });
  }

  /** Books the result of a queued attempt: delivered, retried, kept or dead-lettered; then pumps. Never throws. */
  private settle(st: EndpointState, d: Delivery, r: AttemptResult): void {
    if (this.state === 'closed') return;
    st.settling = true;
    try {
      const now = this.clock.now();
      this.judge(st, r, d, now);
      if (r.kind === 'aborted') {
        this.logger.debug({ webhook: st.ep.name, event: d.event, id: d.id, attempt: d.attempts }, 'webhook attempt aborted by shutdown; delivery stays pending');
        d.attempts--; // no verdict: the delivery stays pending as it was
        st.queue.requeue(d, now);
        return;
      }
      if (r.kind === 'delivered') {
        st.queue.remove(d);
        if (this.store.persistent) this.store.remove(d.id);
        st.counters.delivered++;
        this.record(st, d, r, 'delivered');
        if (this.onResponse) {
          try {
            this.onResponse(d, r.response!);
          } catch (err) {
            this.callbackFailed(err);
          }
        }
        return;
      }
      st.counters.failed++;
      if (r.kind === 'gone') {
        // Kept (not dead-lettered): it is sent again after enable(name).
        d.nextAttemptAt = now;
        if (this.store.persistent) this.store.reschedule(d.id, d.attempts, now);
        st.queue.requeue(d, now);
        this.record(st, d, r, 'gone');
        return;
      }
      if (r.kind === 'retry') {
        const policy = st.ep.retry;
        const remainingMs = policy === false ? 0 : d.createdAt + policy.maxTimeMs - now;
        const delay = nextRetryDelay({
          policy,
          attempts: d.attempts,
          remainingMs,
          failure: r.hint,
          backoff: this.backoff,
          floorMs: this.floorMs,
          random: this.random,
        });
        if (delay !== undefined) {
          d.nextAttemptAt = now + delay;
          if (this.store.persistent) this.store.reschedule(d.id, d.attempts, d.nextAttemptAt);
          st.queue.requeue(d, now);
          st.counters.retried++;
          this.record(st, d, r, 'retry', delay);
          return;
        }
      }
      // Permanent failure, redirect, or retries used up.
      st.queue.remove(d);
      this.store.deadLetter(d, errorText(r.error!), now);
      st.counters.dead++;
      this.record(st, d, r, r.kind === 'redirect' ? 'redirect' : 'failed');
    } catch (err) {
      this.logger.error({ webhook: st.ep.name, id: d.id, error: errorText(err as Error) }, 'webhook delivery bookkeeping failed');
    } finally {
      st.settling = false;
      if (this.state === 'running' || this.state === 'draining') {
        if (this.store.persistent && st.overflow && st.queue.size <= this.window / 2) {
          try {
            this.pageIn(st);
          } catch (err) {
            this.logger.error({ webhook: st.ep.name, error: errorText(err as Error) }, 'webhook store read failed');
          }
        }
        this.pump(st);
        this.drainCheck?.();
      }
    }
  }

  /**
   * Sends now, outside the queues (for `before` gates that wait for the
   * answer): retries per the endpoint's policy, but never past `deadlineMs`
   * in total. Fails fast when the endpoint is disabled or its circuit open.
   * Resolves `{ ok: true, response }` on a 2xx, else `{ ok: false, error }`
   * (with the last `response` when there was one). Never rejects, except
   * for an unknown endpoint name.
   */
  async send(input: DeliveryInput, opts: { deadlineMs: number; signal?: AbortSignal }): Promise<SendOutcome> {
    const st = this.endpoint(input.webhook);
    const name = st.ep.name;
    if (this.state === 'closed') return { ok: false, error: new EngineClosedError('closed'), attempts: 0 };
    if (st.disabled) return { ok: false, error: new EndpointDisabledError(name), attempts: 0 };
    const start = this.clock.now();
    const d = this.newDelivery(input, start);
    const deadline = start + opts.deadlineMs;
    // Cancellation (caller's signal or close()) reaches the attempt in flight or the wait between attempts.
    let cancelled: Error | undefined;
    let current: AttemptControl | undefined;
    let wake: (() => void) | undefined;
    const cancel = (reason: Error): void => {
      if (cancelled) return;
      cancelled = reason;
      current?.abort(reason);
      wake?.();
    };
    const onClose = (): void => cancel(new WebhookAbortedError(name, 'engine closed'));
    const onUser = (): void => cancel(new WebhookAbortedError(name, opts.signal?.reason));
    this.sends.add(onClose);
    if (opts.signal?.aborted) onUser();
    else opts.signal?.addEventListener('abort', onUser, { once: true });
    try {
      let last: AttemptResult | undefined;
      const fail = (error: Error): SendOutcome => {
        const out: SendOutcome = { ok: false, error, attempts: d.attempts };
        if (last?.response) out.response = last.response;
        return out;
      };
      for (;;) {
        if (cancelled) return fail(cancelled);
        const now = this.clock.now();
        const remaining = deadline - now;
        if (remaining <= 0) return fail(new DeadlineExceededError(name, opts.deadlineMs, last?.error));
        if (!st.breaker.tryAcquire(now)) return fail(new CircuitOpenError(name, st.breaker.reopensAt(now)));
        d.attempts++;
        current = new AttemptControl();
        const r = (last = await this.attemptOnce(st, d, Math.min(st.ep.timeoutMs, remaining), current));
        current = undefined;
        const after = this.clock.now();
        this.judge(st, r, d, after);
        if (r.kind === 'aborted') return fail(r.error!);
        if (r.kind === 'delivered') {
          st.counters.delivered++;
          this.record(st, d, r, 'delivered');
          return { ok: true, response: r.response!, attempts: d.attempts };
        }
        st.counters.failed++;
        let delay: number | undefined;
        if (r.kind === 'retry') {
          const policy = st.ep.retry;
          const sendLeft = deadline - after;
          const policyLeft = policy === false ? 0 : d.createdAt + policy.maxTimeMs - after;
          delay = nextRetryDelay({
            policy,
            attempts: d.attempts,
            remainingMs: Math.min(sendLeft, policyLeft),
            failure: r.hint,
            backoff: this.backoff,
            floorMs: this.floorMs,
            random: this.random,
          });
          if (delay !== undefined && delay >= sendLeft) delay = undefined;
        }
        if (delay === undefined) {
          this.record(st, d, r, r.kind === 'gone' || r.kind === 'redirect' ? r.kind : 'failed');
          return fail(r.error!);
        }
        st.counters.retried++;
        this.record(st, d, r, 'retry', delay);
        if (delay > 0) {
          await new Promise<void>((resolve) => {
            // The caller awaits this send (a gate holding its event): the wait keeps the process alive.
            const stopTimer = this.awaitedTimer(resolve, delay);
            wake = () => {
              stopTimer();
              resolve();
            };
          });
          wake = undefined;
        }
      }
    } finally {
      this.sends.delete(onClose);
      opts.signal?.removeEventListener('abort', onUser);
    }
  }

  /**
   * Stops taking new deliveries and waits up to `timeoutMs` for the queues to
   * empty. Returns early once nothing left can complete before the timeout
   * (retries due later, open circuits, disabled endpoints). Attempts still in
   * flight at the timeout are aborted and stay pending; with a persistent
   * store everything pending is resumed by the next `start()`. Logs and
   * returns the totals.
   */
  drain(timeoutMs: number = this.drainTimeoutMs): Promise<DrainSummary> {
    if (this.drainPromise) return this.drainPromise;
    if (this.state === 'idle') this.state = 'running';
    if (this.state === 'running') this.state = 'draining';
    const deadline = this.clock.now() + timeoutMs;
    this.drainPromise = new Promise<DrainSummary>((resolve) => {
      let done = false;
      // A real, ref'd timer unless the clock is fake: a CLI awaiting drain() must stay alive until it ends.
      const cancel = this.clock.setTimer
        ? this.setTimer(() => finish(), timeoutMs)
        : ((t) => () => clearTimeout(t))(setTimeout(() => finish(), Math.min(timeoutMs, MAX_TIMER_MS)));
      const finish = (): void => {
        if (done) return;
        done = true;
        cancel();
        this.drainCheck = undefined;
        this.finishDrain = undefined;
        if (this.state === 'draining') this.state = 'drained';
        this.halt();
        resolve(this.summarize());
      };
      this.drainCheck = () => {
        if (this.idleUntil(deadline)) finish();
      };
      this.finishDrain = finish;
      if (this.state !== 'draining') finish();
      else queueMicrotask(() => this.drainCheck?.());
    });
    return this.drainPromise;
  }

  /** True when no endpoint can make progress before `deadline`. */
  private idleUntil(deadline: number): boolean {
    const now = this.clock.now();
    for (const st of this.endpoints.values()) {
      if (st.queue.inFlight > 0 || st.pumpQueued) return false;
      if (st.disabled) continue;
      if (st.breaker.state(now) === 'open' && st.breaker.reopensAt(now) > deadline) continue;
      if (st.overflow || st.spool.length > 0 || st.queue.hasReady(now) || st.queue.nextDueAt() <= deadline) return false;
    }
    return true;
  }

  /** Stops timers and aborts in-flight queued attempts. */
  /**
   * With a persistent store, `servo webhooks enable NAME` (another process)
   * clears the endpoint's disabled record; a running engine notices within
   * {@link ENABLE_POLL_MS} and enables it. Polls only while something is disabled.
   */
  private watchEnabling(): void {
    if (!this.store.persistent || this.enableWatch) return;
    const check = (): void => {
      this.enableWatch = undefined;
      if (this.state === 'closed') return;
      const recorded = this.guardStore(() => this.store.disabled());
      let still = false;
      for (const st of this.endpoints.values()) {
        if (!st.disabled) continue;
        if (recorded && !recorded[st.ep.name]) this.enable(st.ep.name);
        else still = true;
      }
      if (still) this.enableWatch = this.setTimer(check, ENABLE_POLL_MS);
    };
    this.enableWatch = this.setTimer(check, ENABLE_POLL_MS);
  }

  /** Runs a store call whose failure must not stop delivery; logs it. */
  private guardStore<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.logger.error({ error: errorText(err as Error) }, 'webhook store call failed');
      return undefined;
    }
  }

  private halt(): void {
    this.enableWatch?.();
    this.enableWatch = undefined;
    for (const [control, name] of this.inflight) control.abort(new WebhookAbortedError(name, 'engine stopped'));
    for (const st of this.endpoints.values()) {
      st.cancelWake?.();
      st.cancelWake = undefined;
      st.wakeAt = Infinity;
    }
  }

  private summarize(): DrainSummary {
    let pending = 0;
    let delivered = 0;
    let dead = 0;
    let dropped = 0;
    for (const st of this.endpoints.values()) {
      delivered += st.counters.delivered;
      dead += st.counters.dead;
      dropped += st.counters.dropped;
      if (!this.store.persistent) pending += st.queue.size + st.spool.length;
    }
    try {
      this.store.flush();
      if (this.store.persistent) for (const c of Object.values(this.store.counts())) pending += c.pending;
    } catch (err) {
      this.logger.error({ error: errorText(err as Error) }, 'webhook store flush failed');
    }
    const lost: DrainSummary['lost'] = [];
    if (!this.store.persistent) {
      for (const st of this.endpoints.values()) {
        for (const held of [st.queue.values(), st.spool.values(st.ep.name)]) {
          for (const d of held) {
            if (lost.length === LOST_LISTED) break;
            lost.push({ id: d.id, webhook: d.webhook, event: d.event });
          }
        }
      }
    }
    const summary: DrainSummary = { delivered, pending, dead, dropped, lost };
    if (pending > 0 && !this.store.persistent) {
      this.logger.warn({ ...summary }, 'webhook delivery drained; pending deliveries are lost (memory store)');
    } else {
      this.logger.info({ ...summary }, 'webhook delivery drained');
    }
    return summary;
  }

  /** Counters and state per endpoint. */
  stats(): Record<string, EndpointStats> {
    const now = this.clock.now();
    const counts = this.store.persistent && this.state !== 'closed' ? this.store.counts() : undefined;
    const out: Record<string, EndpointStats> = {};
    for (const [name, st] of this.endpoints) {
      const circuit: CircuitState = st.breaker.state(now);
      out[name] = {
        ...st.counters,
        queueDepth: counts ? (counts[name]?.pending ?? 0) : st.queue.size + st.spool.length,
        circuit,
        disabled: st.disabled,
      };
    }
    return out;
  }

  /** Dead-letter entries from the store, newest first. */
  deadLetters(query: { webhook?: string; limit?: number } = {}): DeadDelivery[] {
    return this.store.dead(query);
  }

  /** Re-enables an endpoint disabled by a 410 (and closes its circuit); its kept deliveries are sent again. */
  enable(name: string): void {
    const st = this.endpoint(name);
    const was = st.disabled;
    st.disabled = false;
    if (was) this.guardStore(() => this.store.setDisabled(name, null, this.clock.now()));
    st.breaker.reset();
    if (was) this.logger.info({ webhook: name }, 'webhook endpoint enabled');
    this.schedulePump(st);
  }

  /**
   * Stops at once: aborts in-flight attempts (they stay pending), closes all
   * connections and the store. Call `drain()` first for a graceful stop.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.finishDrain?.();
    this.state = 'closed';
    this.halt();
    for (const cancel of this.sends) cancel();
    await this.transport.destroy();
    try {
      this.store.close();
    } catch (err) {
      this.logger.error({ error: errorText(err as Error) }, 'webhook store close failed');
    }
  }
}
