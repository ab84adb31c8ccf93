/**
 * The engine's options and their defaults (from `../defaults.ts`).
 * @module
 */
import { DELIVERY_DEFAULTS as D } from '../defaults.js';
import { DEFAULT_BREAKER, type BreakerOptions } from './breaker.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry.js';
import type { TransportOptions } from './transport.js';
import type { DeliveryHistory } from '../history/types.js';
import type { Attempt, Clock, Delivery, DeliveryLogger, DeliveryStore, WebhookEndpoint, WebhookResponse } from './types.js';

/** Options of the `DeliveryEngine`. */
export interface DeliveryEngineOptions {
  /** The receivers (validated config). */
  endpoints: WebhookEndpoint[];
  /** Where pending deliveries and dead letters live; default a `MemoryStore`. The engine closes it in `close()`. */
  store?: DeliveryStore;
  /** `user-agent` header of every request. */
  userAgent: string;
  /**
   * Deliveries held per endpoint; default 10,000. Past it a memory store
   * drops the oldest. A persistent store keeps the rest on disk and the
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
  /**
   * Where every attempt is recorded, queued or a gate's (the deliveries page);
   * none by default, and then nothing is built for it. The engine closes it
   * in `close()`, before the store.
   */
  history?: DeliveryHistory;
}

/** The numeric settings with every default applied. */
export interface ResolvedSettings {
  maxQueue: number;
  concurrency: number;
  drainTimeoutMs: number;
  breaker: BreakerOptions;
  retryFloorMs: number;
  backoff: BackoffOptions;
}

/** `defaults` overridden by the defined fields of `given` (an explicit `undefined` keeps the default). */
function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (given) for (const k of Object.keys(given) as (keyof T)[]) if (given[k] !== undefined) out[k] = given[k] as T[keyof T];
  return out;
}

/** The engine's settings from its options. */
export function resolveSettings(o: DeliveryEngineOptions): ResolvedSettings {
  return {
    maxQueue: Math.max(1, o.maxQueue ?? D.maxQueue),
    concurrency: Math.max(1, o.concurrency ?? D.concurrency),
    drainTimeoutMs: o.drainTimeoutMs ?? D.drainTimeoutMs,
    breaker: withDefaults(DEFAULT_BREAKER, o.breaker),
    retryFloorMs: o.retryFloorMs ?? D.retryFloorMs,
    backoff: withDefaults(DEFAULT_BACKOFF, o.backoff),
  };
}

/** A logger that drops everything. */
export const silentLogger: DeliveryLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The transport's settings among the engine's options (only those given). */
export function transportOptions(o: DeliveryEngineOptions): TransportOptions {
  const t: TransportOptions = {};
  if (o.http2 !== undefined) t.http2 = o.http2;
  if (o.ca !== undefined) t.ca = o.ca;
  if (o.bodyCap !== undefined) t.bodyCap = o.bodyCap;
  return t;
}
