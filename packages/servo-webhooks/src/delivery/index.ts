/**
 * The delivery engine of servo-webhooks: signed POSTs, queued per endpoint,
 * retried, circuit-broken, optionally persisted in SQLite.
 *
 * Importing this entry loads the engine module graph but neither undici nor
 * better-sqlite3: those load on the first POST and when a `SqliteStore` is
 * opened.
 * @module
 */
export { DeliveryEngine, type DeliveryEngineOptions } from './engine.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { openStore, type OpenStoreOptions, type StoreSpec } from './store.js';
export { newMessageId } from './id.js';
export { DEFAULT_BACKOFF, classifyStatus, parseRetryAfter, backoffDelay, nextRetryDelay, type BackoffOptions } from './retry.js';
export { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type CircuitState } from './breaker.js';
export { DEFAULT_BODY_CAP, type TransportOptions } from './transport.js';
export type {
  Attempt,
  AttemptOutcome,
  Clock,
  DeadDelivery,
  Delivery,
  DeliveryInput,
  DeliveryLogger,
  DeliveryStore,
  PersistentStore,
  DrainSummary,
  EndpointStats,
  RetryPolicy,
  SendOutcome,
  StoreCounts,
  WebhookEndpoint,
  WebhookResponse,
} from './types.js';
