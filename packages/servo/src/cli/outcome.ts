/**
 * What `servo measure` and `servo adjust` report for every outcome: with
 * `--output json`, one result object on stdout — `{"status": "ok", ...}`,
 * `{"status": "cancelled", "by", "source", "reason"}` or `{"status":
 * "failed", "error"}` — so a script reading stdout never gets `[]` or
 * nothing; the exit code and the message on stderr are those of the table
 * output.
 * @module
 */
import type { Servo } from '../assembly/servo.js';
import { ExitError } from '../errors.js';
import type { DispatchResult } from '../events/dispatch.js';
import type { EventDefinition, ResultOf } from '../events/event.js';
import type { CommandContext } from './context.js';
import { completedResults } from './dispatch-result.js';
import { ExitCodes } from './exit-codes.js';
import { json } from './output.js';

/** The connectors with an `on` handler for `event`: those that can answer it. */
export function answering(servo: Servo, event: string): string[] {
  return servo.connectors.filter((c) => c.handlers.has(event, 'on')).map((c) => c.name);
}

/**
 * Dispatches `event` unless no connector answers it (then nothing is sent,
 * no before- or after-webhook either, and the command fails saying so), and
 * returns the completed results; with `--output json` a cancel or a failure
 * is printed as a result object before the command ends with exit 1.
 */
export async function dispatchFor<E extends EventDefinition>(
  ctx: CommandContext,
  servo: Servo,
  event: E,
  params: Parameters<Servo['dispatch']>[1],
  hint: string,
): Promise<{ connector: string; value?: ResultOf<E>; error?: Error }[]> {
  const failed = (err: Error & { code?: string }) => {
    if (ctx.output === 'json') {
      ctx.write(json({ status: 'failed', event: event.name, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } }));
    }
    return err;
  };
  if (answering(servo, event.name).length === 0) {
    const message = `no connector answers ${event.name}, so nothing was done and no ${event.name} webhook was sent; ${hint}`;
    failed(new Error(message));
    throw new ExitError(ExitCodes.failed, `servo: ${message}`);
  }
  let result: DispatchResult<ResultOf<E>>;
  try {
    result = (await servo.dispatch(event, params as never)) as DispatchResult<ResultOf<E>>;
  } catch (err) {
    throw failed(err as Error);
  }
  if (result.status === 'cancelled' && ctx.output === 'json') {
    ctx.write(json({ status: 'cancelled', event: event.name, by: result.cancelledBy, source: result.source ?? null, reason: result.reason }));
  }
  return completedResults(result, ctx);
}
