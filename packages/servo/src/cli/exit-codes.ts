/**
 * The exit codes of the `servo` CLI: one table for the core commands and the
 * commands connectors add, and the one function that maps an error to its code.
 * @module
 */
import { ServoErrorCodes, type ServoErrorCode } from '../errors.js';

/** How a `servo` command ends. */
export const ExitCodes = {
  /** The command did what was asked (help and version output included). */
  ok: 0,
  /** The operation failed or was cancelled: a handler or check failed, a before handler cancelled the event. */
  failed: 1,
  /** Bad usage or configuration: fix the command line or servo.yaml. */
  usage: 2,
  /** An error the servo does not expect, i.e. a bug (`EX_SOFTWARE`). */
  internal: 70,
} as const;

/** One of the {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** Errors that are the operator's to fix; every other coded error is {@link ExitCodes.failed}. */
const BY_ERROR_CODE: Partial<Record<ServoErrorCode, ExitCode>> = {
  [ServoErrorCodes.usage]: ExitCodes.usage,
  [ServoErrorCodes.config]: ExitCodes.usage,
  [ServoErrorCodes.configErrors]: ExitCodes.usage,
  [ServoErrorCodes.eventParameters]: ExitCodes.usage,
  [ServoErrorCodes.unknownEvent]: ExitCodes.usage,
  [ServoErrorCodes.logLevel]: ExitCodes.usage,
};

/**
 * Help and version output end a command-line parse without being failures. Help shown for a
 * missing command (bare `servo`, `servo webhooks`) is `commander.help` with exit code 1: usage.
 */
const COMMANDER_OK: ReadonlySet<string> = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * The exit code for an error that ended a command: an `ExitError`'s own code;
 * a command-line parse error (commander's) is usage, unless it only showed
 * help; a core error by its code; any other error carrying a string `code`
 * (a connector's, e.g. `WEBHOOK_*`) failed; anything else is internal.
 */
export function exitCodeOf(err: unknown): number {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return ExitCodes.internal;
  if (code === ServoErrorCodes.exit) {
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    return typeof exitCode === 'number' ? exitCode : ExitCodes.failed;
  }
  if (code === ServoErrorCodes.connectorStart) {
    // A start hook that found a configuration problem (e.g. an unusable store): the servo does not start, exit 2.
    const cause = (err as { cause?: unknown }).cause;
    return cause !== undefined && exitCodeOf(cause) === ExitCodes.usage ? ExitCodes.usage : ExitCodes.failed;
  }
  if (code.startsWith('commander.')) {
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    return COMMANDER_OK.has(code) || exitCode === 0 ? ExitCodes.ok : ExitCodes.usage;
  }
  return BY_ERROR_CODE[code as ServoErrorCode] ?? ExitCodes.failed;
}
