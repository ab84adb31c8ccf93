import { AdjustmentRejectedError, EventCancelledError } from '../../errors.js';
import type { EventDefinition, EventResult } from '../../events/event.js';
import type { AfterHandler, BeforeHandler, OnHandler } from '../../events/handlers.js';
import type { Logger } from '../../logging.js';
import { ScriptError, ScriptOutputError, type ScriptSite } from './errors.js';
import { DEFAULT_MAX_STDOUT, runScript, type RunResult } from './run.js';
import { interpolateString } from '../../assembly/config/interpolate.js';

/** Exit status by which a before script cancels its event. */
export const CANCEL_EXIT_CODE = 100;

/**
 * Exit status by which an `on adjust` command refuses the adjustment: the
 * handler throws `AdjustmentRejectedError` with the first line of stdout
 * (else stderr) as the reason; the optimizer is told `rejected`.
 */
export const REJECT_EXIT_CODE = 101;

/** How the handlers of one connector instance run their commands. */
export interface ScriptRunner {
  /** Name of the connector instance (`SERVO_CONNECTOR`). */
  readonly connector: string;
  readonly shell: string;
  readonly cwd: string;
  /** Per-command timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Environment the commands start from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Most stdout bytes an `on` command may print; default 1 MiB. */
  readonly maxStdout?: number;
}

/**
 * A before handler running `commands` in order with the parameters as JSON on stdin.
 * Exit 0 proceeds; exit 100 cancels the event with the first line of stdout
 * (else stderr) as the reason; anything else fails with a {@link ScriptError}.
 */
export function scriptBeforeHandler(event: string, commands: readonly string[], runner: ScriptRunner): BeforeHandler {
  return async (params, ctx) => {
    const stdin = JSON.stringify(params);
    for (const command of commands) {
      const site: ScriptSite = { command, event, preposition: 'before' };
      const r = await execute(site, stdin, ctx.signal, runner);
      if (r.exitCode === CANCEL_EXIT_CODE && !r.timedOut && !r.aborted) {
        throw new EventCancelledError(firstLine(r.stdout) ?? firstLine(r.stderr) ?? `cancelled by script ${JSON.stringify(command)}`);
      }
      if (r.exitCode !== 0) throw failure(site, r, runner);
    }
  };
}

/**
 * An on handler running `commands` in order with the parameters as JSON on
 * stdin. A command's non-empty stdout is parsed as JSON and validated against
 * the event's result schema; the handler's result is the last such output
 * (`undefined`, i.e. no answer, when none printed anything). For `adjust`,
 * exit {@link REJECT_EXIT_CODE} (101) rejects the adjustment.
 */
export function scriptOnHandler(event: string, commands: readonly string[], runner: ScriptRunner): OnHandler {
  return async (params, ctx) => {
    const stdin = JSON.stringify(params);
    let result: unknown;
    for (const command of commands) {
      const site: ScriptSite = { command, event, preposition: 'on' };
      const r = await execute(site, stdin, ctx.signal, runner);
      if (event === 'adjust' && r.exitCode === REJECT_EXIT_CODE && !r.timedOut && !r.aborted) {
        throw new AdjustmentRejectedError(firstLine(r.stdout) ?? firstLine(r.stderr) ?? `rejected by script ${JSON.stringify(command)}`);
      }
      if (r.exitCode !== 0) throw failure(site, r, runner);
      const out = parseResult(site, r, ctx.event, runner.maxStdout ?? DEFAULT_MAX_STDOUT);
      if (out !== NO_OUTPUT) result = out;
    }
    return result;
  };
}

/**
 * An after handler running `commands` in order with
 * `{"params": ..., "results": [{"connector", "value"} | {"connector", "error"}]}` on stdin.
 * A non-zero exit fails with a {@link ScriptError}.
 */
export function scriptAfterHandler(event: string, commands: readonly string[], runner: ScriptRunner): AfterHandler {
  return async (results, ctx) => {
    const stdin = JSON.stringify({ params: ctx.params, results: results.map(serialiseResult) });
    for (const command of commands) {
      const site: ScriptSite = { command, event, preposition: 'after' };
      const r = await execute(site, stdin, ctx.signal, runner);
      if (r.exitCode !== 0) throw failure(site, r, runner);
    }
  };
}

async function execute(site: ScriptSite, stdin: string, signal: AbortSignal, runner: ScriptRunner): Promise<RunResult> {
  const started = performance.now();
  const env = runner.env ?? process.env;
  // The command as written (`${VAR}`) is what logs and errors show; the resolved one only runs.
  const resolved = interpolateString(site.command, env);
  if (!resolved.ok) throw new ScriptError(site, { exitCode: null, signal: null, stderr: '', spawnError: new Error(resolved.problem.message) });
  const r = await runScript({
    command: resolved.value,
    shell: runner.shell,
    cwd: runner.cwd,
    env: {
      ...env,
      SERVO_EVENT: site.event,
      SERVO_PREPOSITION: site.preposition,
      SERVO_CONNECTOR: runner.connector,
    },
    stdin,
    timeoutMs: runner.timeoutMs,
    signal,
    ...(runner.maxStdout !== undefined ? { maxStdout: runner.maxStdout } : {}),
  });
  runner.logger.debug(
    {
      command: site.command,
      event: site.event,
      preposition: site.preposition,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      ms: Math.round(performance.now() - started),
      // What the script said on stderr, for debugging (bounded); a failure's error carries it too.
      ...(r.stderr ? { stderr: r.stderr.length > 4096 ? `${r.stderr.slice(0, 4096)}...` : r.stderr } : {}),
    },
    'script finished',
  );
  return r;
}

function failure(site: ScriptSite, r: RunResult, runner: ScriptRunner): ScriptError {
  return new ScriptError(site, {
    exitCode: r.exitCode,
    signal: r.signal,
    stderr: r.stderr,
    ...(r.timedOut ? { timedOutAfterMs: runner.timeoutMs } : {}),
    ...(r.aborted ? { aborted: true } : {}),
    ...(r.spawnError ? { spawnError: r.spawnError } : {}),
  });
}

const NO_OUTPUT = Symbol('no output');

function parseResult(site: ScriptSite, r: RunResult, event: EventDefinition, maxStdout: number): unknown {
  if (r.stdoutTruncated) throw new ScriptOutputError(site, [`stdout is larger than the limit of ${maxStdout} bytes`]);
  const text = r.stdout.trim();
  if (text === '') return NO_OUTPUT;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const head = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new ScriptOutputError(site, [`stdout is not valid JSON (${(err as Error).message}); it begins ${JSON.stringify(head)}`], {
      cause: err,
    });
  }
  const parsed = event.result.safeParse(json);
  if (!parsed.success) {
    throw new ScriptOutputError(
      site,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(result)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

// Errors do not serialise; scripts get their message.
function serialiseResult(r: EventResult): { connector: string; value?: unknown; error?: string } {
  return r.error ? { connector: r.connector, error: r.error.message } : { connector: r.connector, value: r.value };
}

const MAX_REASON_CHARS = 500;

function firstLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t) return t.length > MAX_REASON_CHARS ? `${t.slice(0, MAX_REASON_CHARS)}...` : t;
  }
  return undefined;
}
