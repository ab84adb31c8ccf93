/**
 * servo-core: a lean servo — typed events with before/on/after handlers,
 * connectors discovered from installed packages, a YAML-configured assembly
 * and pub/sub channels. This entry is what a connector author needs; the
 * helpers of connector commands are in `servo-core/cli`.
 * @module
 */
export {
  ServoErrorCodes,
  ServoError,
  EventCancelledError,
  isEventCancelledError,
  AdjustmentRejectedError,
  isAdjustmentRejectedError,
  EventParameterError,
  UnknownEventError,
  HandlerError,
  HandlerErrors,
  ConfigError,
  ConfigErrors,
  ConnectorLoadError,
  ConnectorStartError,
  hasCode,
} from './errors.js';
export type { ServoErrorCode } from './errors.js';
/**
 * The zod that servo-core validates with. Connectors define their config
 * schemas and events with it, so one copy of zod serves the whole servo.
 */
export { z } from 'zod';
export { defineEvent } from './events/event.js';
export type { EventDefinition, EventResult, ParamsOf, ParamsInputOf, ResultOf, Preposition } from './events/event.js';
export type { AfterHandler, BeforeHandler, HandlerContext, OnHandler, Progress, ProgressReporter } from './events/handlers.js';
export type { DispatchCancelled, DispatchCompleted, DispatchOptions, DispatchResult } from './events/dispatch.js';
export * as events from './events/standard.js';
export { standardEvents } from './events/standard.js';
export * as model from './model/index.js';
export { defineConnector } from './connector/connector.js';
export type * from './connector/connector.js';
export type { DiscoveredConnector } from './connector/discovery.js';
export { Servo } from './assembly/servo.js';
export type { ConnectorEntry, ServoConnector, ServoOptions } from './assembly/servo.js';
export { loadServo } from './assembly/load.js';
export type { LoadServoOptions } from './assembly/load.js';
export { REDACTED } from './assembly/redact.js';
export { createLogger, silentLogger } from './logging.js';
export { MAX_TIMER_MS, startTimer, type TimerOptions } from './timers.js';
export type { Logger, LoggerOptions, LogFormat } from './logging.js';
export { describeLogLine, type LogLineRenderer } from './log-pretty.js';
export {
  Message,
  createExchange,
  compileSelector,
  isValidChannelName,
  isJsonContentType,
  JSON_CONTENT_TYPE,
  TEXT_CONTENT_TYPE,
  ExchangeStoppedError,
  isExchangeStoppedError,
  InvalidChannelError,
  InvalidSelectorError,
  MessageContentError,
} from './pubsub/index.js';
export type { ChannelSelector, Exchange, MemoryExchangeOptions, MessageInit, Subscriber, Subscription } from './pubsub/index.js';
