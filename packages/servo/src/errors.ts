/**
 * Every error the servo core raises, each with a stable `code`.
 *
 * Type guards use the `code` (not `instanceof`) so they keep working when two
 * copies of the package are installed side by side.
 * @module
 */

/** Stable codes of every error the servo core raises (the `code` of each). */
export const ServoErrorCodes = {
  eventCancelled: 'SERVO_EVENT_CANCELLED',
  eventParameters: 'SERVO_EVENT_PARAMETERS',
  unknownEvent: 'SERVO_UNKNOWN_EVENT',
  handlerFailed: 'SERVO_HANDLER_FAILED',
  /** Several handlers failed in one dispatch ({@link HandlerErrors}, an `AggregateError`). */
  handlersFailed: 'SERVO_HANDLERS_FAILED',
  /** One configuration problem ({@link ConfigError}). */
  config: 'SERVO_CONFIG_INVALID',
  /** The configuration problems found at once ({@link ConfigErrors}). */
  configErrors: 'SERVO_CONFIG_ERRORS',
  connectorLoad: 'SERVO_CONNECTOR_LOAD',
  /** A connector's start hook failed ({@link ConnectorStartError}). */
  connectorStart: 'SERVO_CONNECTOR_START',
  /** A servo started twice, or after it was closed. */
  state: 'SERVO_STATE',
  usage: 'SERVO_USAGE',
  exit: 'SERVO_EXIT',
  logLevel: 'SERVO_LOG_LEVEL',
  invalidValue: 'SERVO_INVALID_VALUE',
  exchangeStopped: 'SERVO_EXCHANGE_STOPPED',
  invalidChannel: 'SERVO_INVALID_CHANNEL',
  invalidSelector: 'SERVO_INVALID_SELECTOR',
  messageContent: 'SERVO_MESSAGE_CONTENT',
  scriptFailed: 'SERVO_SCRIPT_FAILED',
  scriptOutput: 'SERVO_SCRIPT_OUTPUT',
  /** A connector refused an adjustment ({@link AdjustmentRejectedError}); the optimizer is told `rejected`. */
  adjustmentRejected: 'SERVO_ADJUSTMENT_REJECTED',
  /** The optimizer refused the servo's credentials (HTTP 401/403): the servo stops. */
  optimizerUnauthorized: 'SERVO_OPTIMIZER_UNAUTHORIZED',
  /** A request to the optimizer failed (network, timeout, HTTP status, unreadable answer). */
  optimizerRequest: 'SERVO_OPTIMIZER_REQUEST',
} as const;

/** One of the {@link ServoErrorCodes}. */
export type ServoErrorCode = (typeof ServoErrorCodes)[keyof typeof ServoErrorCodes];

/** Base class of all servo errors. */
export class ServoError extends Error {
  /** Stable, machine-readable identifier of the failure. */
  readonly code: ServoErrorCode;
  constructor(code: ServoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Thrown by a `before` handler to stop an event. No `on` or `after` handler
 * runs; the dispatch result says `cancelled`, by whom and why.
 */
export class EventCancelledError extends ServoError {
  /** Why the event was cancelled, shown to the operator verbatim. */
  readonly reason: string;
  /** What inside the connector cancelled, e.g. `webhook "business_hours"`. */
  readonly source: string | undefined;
  constructor(reason: string, options?: ErrorOptions & { source?: string }) {
    super(ServoErrorCodes.eventCancelled, reason, options);
    this.reason = reason;
    this.source = options?.source;
  }
}

/** True for an {@link EventCancelledError}, from any copy of this package. */
export function isEventCancelledError(err: unknown): err is EventCancelledError {
  return hasCode(err, ServoErrorCodes.eventCancelled);
}

/**
 * Thrown by an `on adjust` handler that refuses the adjustment (e.g. a value
 * the target cannot take). The optimizer loop reports it as `rejected` with
 * `reason` verbatim, instead of `failed`.
 */
export class AdjustmentRejectedError extends ServoError {
  /** Why the adjustment was refused, verbatim. */
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(ServoErrorCodes.adjustmentRejected, `adjustment rejected: ${reason}`, options);
    this.reason = reason;
  }
}

/** True for an {@link AdjustmentRejectedError}, from any copy of this package. */
export function isAdjustmentRejectedError(err: unknown): err is AdjustmentRejectedError {
  return hasCode(err, ServoErrorCodes.adjustmentRejected);
}

/** An event was dispatched with parameters that fail its schema. */
export class EventParameterError extends ServoError {
  constructor(
    readonly event: string,
    readonly issues: readonly string[],
  ) {
    super(ServoErrorCodes.eventParameters, `invalid parameters for event "${event}": ${issues.join('; ')}`);
  }
}

/** An event name that no connector of the assembly declares. */
export class UnknownEventError extends ServoError {
  constructor(
    readonly event: string,
    readonly known: readonly string[],
    /** The known event `event` is likely a typo of, if any. */
    match?: string,
  ) {
    super(ServoErrorCodes.unknownEvent, `unknown event "${event}"${match ? ` (did you mean "${match}"?)` : ''}; known events: ${known.join(', ')}`);
  }
}

/** An `on` handler failed; carries the connector's name. */
export class HandlerError extends ServoError {
  constructor(
    readonly connector: string,
    readonly event: string,
    readonly preposition: 'before' | 'on' | 'after',
    cause: unknown,
  ) {
    super(
      ServoErrorCodes.handlerFailed,
      `${preposition}:${event} handler of connector "${connector}" failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Several handlers failed in one dispatch (e.g. two connectors' `on`
 * handlers): an `AggregateError` whose `errors` are the {@link HandlerError}s,
 * one per failed handler, and whose message lists each of them, one a line.
 */
export class HandlerErrors extends AggregateError {
  /** Always {@link ServoErrorCodes.handlersFailed}. */
  readonly code = ServoErrorCodes.handlersFailed;
  declare readonly errors: HandlerError[];
  constructor(
    readonly event: string,
    errors: readonly HandlerError[],
  ) {
    // One entry per failure; an error's own further lines (e.g. a script's stderr) indented beneath it.
    const entries = errors.map((e) => `  ${e.message.replaceAll('\n', '\n    ')}`);
    super(errors, `${errors.length} handlers of event "${event}" failed:\n${entries.join('\n')}`);
    this.name = 'HandlerErrors';
  }
}

/**
 * A configuration problem, located in the file. `toString()` gives the
 * one-line message the CLI prints: file:line:column, field path, what was
 * expected and how to fix it.
 */
export class ConfigError extends ServoError {
  constructor(
    message: string,
    readonly details: {
      file?: string | undefined;
      line?: number | undefined;
      column?: number | undefined;
      /** Dotted path of the offending field, e.g. `webhooks[0].url`. */
      path?: string | undefined;
      /** How to fix it. */
      hint?: string | undefined;
    } = {},
  ) {
    super(ServoErrorCodes.config, message);
  }

  /** `servo.yaml:4:7: webhooks[0].url: expected an http(s) URL (fix: ...)` */
  format(): string {
    const d = this.details;
    const where = [d.file, d.line, d.column].filter((p) => p !== undefined && p !== '').join(':');
    const parts = [where, d.path].filter(Boolean);
    const head = parts.length ? `${parts.join(': ')}: ` : '';
    return `${head}${this.message}${d.hint ? ` (fix: ${d.hint})` : ''}`;
  }
}

/** Several configuration problems found at once. */
export class ConfigErrors extends ServoError {
  constructor(readonly errors: readonly ConfigError[]) {
    super(ServoErrorCodes.configErrors, errors.map((e) => e.format()).join('\n'));
  }
}

/** A connector package could not be loaded or is malformed. */
export class ConnectorLoadError extends ServoError {
  constructor(message: string, options?: ErrorOptions) {
    super(ServoErrorCodes.connectorLoad, message, options);
  }
}

/** A connector's `start` hook failed, so the servo did not start. */
export class ConnectorStartError extends ServoError {
  constructor(
    readonly connector: string,
    cause: unknown,
  ) {
    super(ServoErrorCodes.connectorStart, `connector "${connector}" failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A CLI usage problem (bad argument); the CLI exits 2. */
export class UsageError extends ServoError {
  constructor(message: string) {
    super(ServoErrorCodes.usage, message);
  }
}

/**
 * Ends a CLI command with an exit code and a message, without a stack trace
 * (e.g. 1 for a cancelled event or a failed check).
 */
export class ExitError extends ServoError {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(ServoErrorCodes.exit, message);
  }
}

/** True when `err` carries the given stable code. */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
