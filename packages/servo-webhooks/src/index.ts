/**
 * servo-webhooks: a servo connector that turns servo events into signed HTTP
 * webhooks. servo-core discovers the connector through this package's
 * `"servo"` entry; this root export holds what an application using it
 * needs. The rest has subpaths:
 * - `servo-webhooks/delivery`: the delivery engine, its stores and policies;
 * - `servo-webhooks/payload`: request bodies, media types, JSON Schemas;
 * - `servo-webhooks/signing`: both signature schemes, to sign and to verify;
 * - `servo-webhooks/errors`: every error class with its stable code.
 * @module
 */
export { default as webhooksConnector } from './connector.js';
export { configSchema, DEFAULTS } from './config/index.js';
export type { DeliverySettings, EventSubscription, WebhookConfig, WebhooksConfig } from './config/index.js';
export { CANCEL_CONTENT_TYPES, EVENT_CONTENT_TYPE, isCancelContentType } from './payload/content-type.js';
export { signRequest, verifyServoSignature, verifyStandardSignature, type SignedHeaders, type VerifyStandardOptions } from './signing.js';
export { WebhookError, WebhookErrorCodes, isWebhookError, type WebhookErrorCode } from './errors.js';
export type { Attempt, AttemptOutcome, Delivery, DrainSummary, EndpointStats } from './delivery/types.js';
export { USER_AGENT, VERSION } from './version.js';
