/**
 * servo-webhooks: a servo connector that turns servo events into signed HTTP
 * webhooks. The connector itself is the default export of `./connector.js`,
 * which servo-core discovers; this entry exposes the parts for programs that
 * send or receive these webhooks.
 * @module
 */
export { default as webhooksConnector } from './connector.js';
export { configSchema, encodeConfig, DEFAULTS } from './config.js';
export { RESERVED_HEADERS } from './headers.js';
export type { DeliverySettings, EventSubscription, WebhookConfig, WebhooksConfig } from './config.js';
export { WebhooksEmitter, emitterFor } from './emitter.js';
export { decide, cancelReason, type GateDecision } from './gate.js';
export * from './payload/index.js';
export * from './signing.js';
export * from './delivery/index.js';
export * from './errors.js';
export { VERSION, USER_AGENT } from './version.js';
