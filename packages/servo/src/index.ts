/**
 * servo-core: a lean servo — typed events with before/on/after handlers,
 * connectors discovered from installed packages, a YAML-configured assembly,
 * pub/sub channels, and the `servo` CLI.
 * @module
 */
export * from './errors.js';
export { defineEvent, PREPOSITIONS } from './events/event.js';
export type { EventDefinition, EventResult, ParamsOf, ParamsInputOf, ResultOf, Preposition } from './events/event.js';
export { HandlerRegistry } from './events/handlers.js';
export type { AfterHandler, BeforeHandler, HandlerContext, OnHandler } from './events/handlers.js';
export { dispatch } from './events/dispatch.js';
export type { DispatchCancelled, DispatchCompleted, DispatchOptions, DispatchResult, Participant } from './events/dispatch.js';
export * as events from './events/standard.js';
export { standardEvents } from './events/standard.js';
export * as model from './model/index.js';
export { defineConnector } from './connector/connector.js';
export type * from './connector/connector.js';
export { discoverConnectors } from './connector/discovery.js';
export type { DiscoveredConnector, DiscoveryOptions } from './connector/discovery.js';
export { Servo, configSchemaOf } from './assembly/servo.js';
export type { ConnectorEntry, ServoConnector, ServoOptions } from './assembly/servo.js';
export { loadServo, availableConnectors } from './assembly/load.js';
export type { LoadServoOptions } from './assembly/load.js';
export { redact, REDACTED, looksSecret } from './assembly/redact.js';
export { toJsonSchema } from './json-schema.js';
export { createLogger, silentLogger } from './logging.js';
export type { Logger, LoggerOptions } from './logging.js';
export * from './pubsub/index.js';
export { table, json as formatJson } from './cli/output.js';
export type { OutputFormat } from './cli/output.js';
