/**
 * One optimizer command run as a servo event: DESCRIBE -> `describe`,
 * MEASURE -> `measure`, ADJUST -> `adjust`. The event is dispatched with an
 * AbortSignal (the optimizer's `cancel`, or shutdown) and a progress
 * listener; the outcome becomes the reply's status:
 * - `ok` with the payload;
 * - `cancelled`: a before handler (e.g. a webhook gate) cancelled, reason verbatim; or the optimizer's `cancel`;
 * - `rejected`: a connector threw AdjustmentRejectedError;
 * - `failed`: any other error (every message, when several connectors failed);
 * - `aborted`: cut short by shutdown.
 * @module
 */
import type { Servo } from '../assembly/servo.js';
import { type HandlerError, hasCode, isAdjustmentRejectedError, ServoErrorCodes } from '../errors.js';
import type { DispatchResult } from '../events/dispatch.js';
import * as standard from '../events/standard.js';
import { parseDuration } from '../model/duration.js';
import type { Description } from '../model/description.js';
import type { Measurement } from '../model/measurement.js';
import { mergeDescriptions, metricNames, toAdjustments, toControl, toDescriptor, toMetrics, wireApplication } from './convert.js';
import type { CommandResponse, MeasureParam, ReplyParam, WireControl } from './protocol.js';

/** Why a running command was stopped from outside. */
export type StopCause = 'cancel' | 'shutdown';

/** The reply to a command, without `cmd_uid` (the runner adds it). */
export type Reply = Omit<ReplyParam, 'cmd_uid'>;

/** Progress of a running command, as reported to the optimizer. */
export interface CommandProgress {
  percent: number;
  message: string | undefined;
  /** True once a connector has reported (the runner's own estimate stops). */
  fromConnector: boolean;
}

/** Inputs of {@link runCommand}. */
export interface RunCommandOptions {
  readonly servo: Servo;
  readonly command: CommandResponse & { cmd: 'DESCRIBE' | 'MEASURE' | 'ADJUST' };
  /** Aborted with a {@link StopCause} as reason to stop the command. */
  readonly signal: AbortSignal;
  /** How long a stopped command may take to wind down before it is reported anyway, ms. */
  readonly stopGraceMs: number;
  /** Updated while the command runs. */
  readonly progress: CommandProgress;
}

/** Runs one command to its reply; never throws. */
export async function runCommand(o: RunCommandOptions): Promise<Reply> {
  const { servo, command, signal } = o;
  const param = (command.param ?? {}) as Record<string, unknown>;
  const control = toControl(param.control as WireControl | undefined);
  const onProgress = (p: { percent: number; message?: string | undefined }) => {
    o.progress.percent = p.percent;
    o.progress.message = p.message;
    o.progress.fromConnector = true;
  };
  const options = { signal, onProgress };
  const run = async (): Promise<Reply> => {
    switch (command.cmd) {
      case 'DESCRIBE': {
        const r = await servo.dispatch(standard.describe, { control }, options);
        if (r.status === 'cancelled') return cancelled(r);
        return { ...OK, descriptor: toDescriptor(mergeDescriptions(values<Description>(r))) };
      }
      case 'MEASURE': {
        const names = metricNames(param as Partial<MeasureParam>);
        const r = await servo.dispatch(standard.measure, { ...(names ? { metrics: names } : {}), control }, options);
        if (r.status === 'cancelled') return cancelled(r);
        return { ...OK, ...toMetrics(values<Measurement>(r)) };
      }
      case 'ADJUST': {
        const adjustments = toAdjustments(param.state);
        const r = await servo.dispatch(standard.adjust, { adjustments, control }, options);
        if (r.status === 'cancelled') return cancelled(r);
        const d = mergeDescriptions(values<Description>(r));
        return { ...OK, state: d.components.length ? toDescriptor(d) : wireApplication(d) };
      }
    }
  };
  const outcome = run().catch((err: unknown) => failure(err));
  if (signal.aborted) return stopped(signal);
  // A stopped command is reported once it winds down, or after the grace period if it does not.
  const stop = new Promise<'stopped'>((resolve) =>
    signal.addEventListener('abort', () => setTimeout(() => resolve('stopped'), o.stopGraceMs).unref?.(), { once: true }),
  );
  const first = await Promise.race([outcome, stop]);
  return signal.aborted ? stopped(signal) : (first as Reply);
}

/** Seconds the runner expects a MEASURE to take: delay + warmup + duration of its control. */
export function expectedSeconds(command: CommandResponse): number {
  const control = toControl((command.param as { control?: WireControl } | null | undefined)?.control);
  let total = 0;
  for (const k of ['delay', 'warmup', 'duration'] as const) {
    const v = control[k];
    if (typeof v === 'number' || typeof v === 'string') {
      try {
        total += parseDuration(v) / 1000;
      } catch {
        // An unreadable duration fails the event itself; the estimate leaves it out.
      }
    }
  }
  return total;
}

const OK = { status: 'ok', message: null, reason: 'success' } as const;

function values<T>(r: DispatchResult<unknown>): T[] {
  return r.status === 'completed' ? r.results.filter((x) => !x.error).map((x) => x.value as T) : [];
}

function cancelled(r: Extract<DispatchResult, { status: 'cancelled' }>): Reply {
  const by = r.source ? `${r.cancelledBy} (${r.source})` : r.cancelledBy;
  return { status: 'cancelled', reason: r.reason, message: `cancelled by ${by}: ${r.reason}` };
}

function stopped(signal: AbortSignal): Reply {
  return signal.reason === 'cancel'
    ? { status: 'cancelled', reason: 'cancel', message: 'cancelled by the optimizer' }
    : { status: 'aborted', reason: 'shutdown', message: 'the servo is shutting down' };
}

/** The status of a failed dispatch: `rejected` when a connector refused the adjustment, else `failed`. */
export function failure(err: unknown): Reply {
  const causes: unknown[] = hasCode(err, ServoErrorCodes.handlersFailed) ? (err as AggregateError).errors : [err];
  const rejection = causes.map((e) => (hasCode(e, ServoErrorCodes.handlerFailed) ? (e as HandlerError).cause : e)).find(isAdjustmentRejectedError);
  const message = err instanceof Error ? err.message : String(err);
  if (rejection) return { status: 'rejected', reason: rejection.reason, message };
  const code = (err as { code?: unknown } | null)?.code;
  return { status: 'failed', reason: typeof code === 'string' ? code : null, message };
}
