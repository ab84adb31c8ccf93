/**
 * Errors of the scripts connector, each with a stable `code`.
 * @module
 */
import { hasCode, ServoError, ServoErrorCodes } from '../../errors.js';
import type { Preposition } from '../../events/event.js';

/** Where a script ran: its command and the handler it served. */
export interface ScriptSite {
  /** The command line as configured. */
  readonly command: string;
  readonly event: string;
  readonly preposition: Preposition;
}

/** How a failed script ended. */
export interface ScriptFailure {
  /** Exit status, when the script exited on its own. */
  readonly exitCode: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Set when it ran past its timeout (milliseconds). */
  readonly timedOutAfterMs?: number;
  /** Set when the dispatch was aborted. */
  readonly aborted?: boolean;
  /** The process could not be started. */
  readonly spawnError?: Error;
  /** The last lines of its stderr (bounded). */
  readonly stderr: string;
}

/**
 * A script failed: non-zero exit (other than the cancel status of a before
 * script), killed by a signal, timed out, aborted, or could not be started.
 * The message names the command, how it ended and the tail of its stderr.
 */
export class ScriptError extends ServoError {
  readonly command: string;
  readonly event: string;
  readonly preposition: Preposition;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The tail of stderr (at most ~20 lines / 2 KiB). */
  readonly stderr: string;

  constructor(site: ScriptSite, failure: ScriptFailure) {
    const stderr = tail(failure.stderr);
    super(
      ServoErrorCodes.scriptFailed,
      `${describeSite(site)} ${describeEnd(failure)}${stderr ? `; stderr:\n${stderr}` : ''}`,
      failure.spawnError ? { cause: failure.spawnError } : undefined,
    );
    this.command = site.command;
    this.event = site.event;
    this.preposition = site.preposition;
    this.exitCode = failure.exitCode;
    this.signal = failure.signal;
    this.timedOut = failure.timedOutAfterMs !== undefined;
    this.stderr = stderr;
  }
}

/** True for a {@link ScriptError}, from any copy of this package. */
export function isScriptError(err: unknown): err is ScriptError {
  return hasCode(err, ServoErrorCodes.scriptFailed);
}

/**
 * An `on` script exited 0 but its stdout is not a valid result: not JSON,
 * too large, or not matching the event's result schema.
 */
export class ScriptOutputError extends ServoError {
  readonly command: string;
  readonly event: string;
  /** What was wrong, e.g. the schema issues. */
  readonly problems: readonly string[];

  constructor(site: ScriptSite, problems: readonly string[], options?: ErrorOptions) {
    super(ServoErrorCodes.scriptOutput, `${describeSite(site)} printed an invalid result: ${problems.join('; ')}`, options);
    this.command = site.command;
    this.event = site.event;
    this.problems = problems;
  }
}

/** True for a {@link ScriptOutputError}, from any copy of this package. */
export function isScriptOutputError(err: unknown): err is ScriptOutputError {
  return hasCode(err, ServoErrorCodes.scriptOutput);
}

/** `300ms`, `30s`, `1.5s`, `2m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

const MAX_COMMAND_CHARS = 200;

function describeSite(site: ScriptSite): string {
  const cmd = site.command.length > MAX_COMMAND_CHARS ? `${site.command.slice(0, MAX_COMMAND_CHARS)}...` : site.command;
  return `script ${JSON.stringify(cmd)} (${site.preposition}:${site.event})`;
}

function describeEnd(f: ScriptFailure): string {
  if (f.spawnError) return `could not be started: ${f.spawnError.message}`;
  if (f.timedOutAfterMs !== undefined) return `timed out after ${formatMs(f.timedOutAfterMs)}`;
  if (f.aborted) return 'was aborted';
  if (f.signal) return `was killed by signal ${f.signal}`;
  return `exited with status ${f.exitCode}`;
}

const TAIL_LINES = 20;
const TAIL_CHARS = 2048;

// The last ~20 lines / 2 KiB of `text`, trimmed.
function tail(text: string): string {
  let t = text.trimEnd();
  if (t.length > TAIL_CHARS) t = `...${t.slice(-TAIL_CHARS)}`;
  const lines = t.split('\n');
  if (lines.length > TAIL_LINES) t = `...\n${lines.slice(-TAIL_LINES).join('\n')}`;
  return t;
}
