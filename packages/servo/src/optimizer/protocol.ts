/**
 * The servo ↔ optimizer wire protocol, as servox 25.3 speaks it: one endpoint
 * (`POST {url}servo`), JSON both ways. The servo posts an {@link Envelope}
 * (an event and its param); the optimizer answers a {@link CommandResponse}
 * (what to do next) or a {@link OptimizerStatus} (ok / invalid /
 * unexpected-event / cancel).
 *
 * Both sides of this project use these definitions: the client
 * (`optimizer/client.ts`, `optimizer/runner.ts`) and the fake optimizer
 * (`optimizer/fake/`). Plain TypeScript types plus small zod schemas for what
 * arrives from the peer (zod is already the core's validator).
 * @module
 */
import { z } from 'zod';

/** Events the servo posts. */
export const ServoEvents = ['HELLO', 'WHATS_NEXT', 'DESCRIPTION', 'MEASUREMENT', 'ADJUSTMENT', 'GOODBYE'] as const;
/** An event the servo posts. */
export type ServoEvent = (typeof ServoEvents)[number];

/** Commands the optimizer answers WHATS_NEXT with. */
export const Commands = ['DESCRIBE', 'MEASURE', 'ADJUST', 'SLEEP'] as const;
/** A command from the optimizer. */
export type Command = (typeof Commands)[number];

/** The reply event for each command that has one. */
export const REPLY_EVENT: Readonly<Record<Exclude<Command, 'SLEEP'>, ServoEvent>> = Object.freeze({
  DESCRIBE: 'DESCRIPTION',
  MEASURE: 'MEASUREMENT',
  ADJUST: 'ADJUSTMENT',
});

/**
 * Statuses the servo reports for a command:
 * - `ok`: done; the payload (descriptor / metrics / state) is in the reply;
 * - `failed`: a connector failed; `message` is its error (all of them when several failed);
 * - `rejected`: a connector refused the adjustment (`AdjustmentRejectedError`);
 * - `cancelled`: a before handler (e.g. a webhook gate) cancelled the event, `reason` verbatim;
 *   also the answer to the optimizer's own `cancel`;
 * - `aborted`: cut short by shutdown, reason `shutdown`.
 */
export const ServoStatuses = ['ok', 'failed', 'rejected', 'cancelled', 'aborted'] as const;
/** A status the servo reports for a command. */
export type ServoStatus = (typeof ServoStatuses)[number];

/** Statuses the optimizer answers with instead of a command. */
export const OptimizerStatuses = ['ok', 'invalid', 'unexpected-event', 'cancel'] as const;
/** A status the optimizer answers with. */
export type OptimizerStatusValue = (typeof OptimizerStatuses)[number];

/** The request body of every POST: `{"event", "param", "servo_uid"}`. */
export interface Envelope<P = unknown> {
  readonly event: ServoEvent;
  readonly param: P | null;
  readonly servo_uid: string | null;
}

/** HELLO's param. */
export interface HelloParam {
  /** e.g. `servo-core v0.1.0`. */
  readonly agent: string;
  readonly telemetry: Readonly<Record<string, string>>;
}

/** GOODBYE's param: the reason the servo stops (a signal name, `shutdown`, `restarting`, `unknown`). */
export interface GoodbyeParam {
  readonly reason: string;
}

/** Control of a MEASURE/ADJUST command: seconds or Go-style duration strings. */
export interface WireControl {
  duration?: number | string;
  delay?: number | string;
  /** servox's alias of `delay`. */
  past?: number | string;
  warmup?: number | string;
  settlement?: number | string | null;
  load?: Record<string, unknown> | null;
  userdata?: Record<string, unknown> | null;
  environment?: Record<string, unknown> | null;
}

/** One setting on the wire (descriptor and ADJUST state). */
export interface WireSetting {
  type?: 'range' | 'enum';
  unit?: string | null;
  min?: number;
  max?: number;
  step?: number;
  values?: (string | number)[];
  pinned?: boolean;
  value?: number | string | null;
}

/** `{"application": {"components": {NAME: {"settings": {NAME: WireSetting}}}}}`. */
export interface WireApplication {
  application: { components: Record<string, { settings: Record<string, WireSetting> }> };
}

/** DESCRIPTION's `descriptor`: the application plus `measurement.metrics`. */
export interface WireDescriptor extends WireApplication {
  measurement: { metrics: Record<string, { unit: string }> };
}

/** A metric of a MEASUREMENT: one value, or time series. */
export type WireMetric =
  | { unit: string; value: number }
  | { unit: string; values: { id: string; data: [number, number][]; annotation?: string; metadata?: Record<string, string> }[] };

/** MEASURE's param. */
export interface MeasureParam {
  control: WireControl;
  /** A list of names or a map keyed by name (only the keys count). */
  metrics?: string[] | Record<string, unknown>;
}

/** ADJUST's param. */
export interface AdjustParam {
  state: WireApplication;
  control?: WireControl;
}

/** SLEEP's param (duration in seconds, default 120). */
export interface SleepParam {
  duration?: number | string;
  data?: Record<string, unknown>;
}

/** The reply param of DESCRIPTION/MEASUREMENT/ADJUSTMENT: a status plus the payload when `ok`. */
export interface ReplyParam {
  status: ServoStatus;
  message: string | null;
  reason: string | null;
  cmd_uid?: string;
  descriptor?: WireDescriptor;
  metrics?: Record<string, WireMetric>;
  annotations?: Record<string, string>;
  state?: WireApplication;
}

/** A progress report posted while a MEASURE or ADJUST runs (event MEASUREMENT / ADJUSTMENT). */
export interface ProgressParam {
  progress: number;
  /** Seconds since the command started. */
  runtime: number;
  cmd_uid?: string;
  message?: string;
}

/** The optimizer's answer: a command. */
export const CommandResponse = z.looseObject({
  cmd: z.enum(Commands),
  cmd_uid: z.string().nullish(),
  param: z.record(z.string(), z.unknown()).nullish(),
});
/** The optimizer's answer: a command. */
export type CommandResponse = z.output<typeof CommandResponse>;

/** The optimizer's answer: a status. */
export const OptimizerStatus = z.looseObject({
  status: z.string(),
  message: z.string().nullish(),
  reason: z.string().nullish(),
});
/** The optimizer's answer: a status. */
export type OptimizerStatus = z.output<typeof OptimizerStatus>;

/** Either answer, told apart by `cmd` / `status`. */
export type OptimizerAnswer = { kind: 'command'; command: CommandResponse } | { kind: 'status'; status: OptimizerStatus };

/** Reads a parsed JSON answer; `undefined` when it is neither a command nor a status. */
export function readAnswer(body: unknown): OptimizerAnswer | undefined {
  // Told apart by `cmd` first: a failed zod parse builds its issues, which is most of the cost
  // of reading a status answer (one per cycle of the loop).
  if (typeof body === 'object' && body !== null && 'cmd' in body) {
    if (isPlainCommand(body)) return { kind: 'command', command: body };
    const c = CommandResponse.safeParse(body);
    if (c.success) return { kind: 'command', command: c.data };
  }
  if (isPlainStatus(body)) return { kind: 'status', status: body };
  const s = OptimizerStatus.safeParse(body);
  if (s.success) return { kind: 'status', status: s.data };
  return undefined;
}

/** A command CommandResponse accepts, checked by hand (zod is the fallback, for its coercions and errors). */
function isPlainCommand(body: object): body is CommandResponse {
  const b = body as Record<string, unknown>;
  const param = b.param;
  const uid = b.cmd_uid;
  return (
    COMMANDS.has(b.cmd) &&
    (uid === undefined || uid === null || typeof uid === 'string') &&
    (param === undefined || param === null || (typeof param === 'object' && !Array.isArray(param)))
  );
}
const COMMANDS: ReadonlySet<unknown> = new Set(Commands);

/** `{status}` with an optional string (or null) message and reason: what OptimizerStatus accepts, checked by hand. */
function isPlainStatus(body: unknown): body is OptimizerStatus {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const optional = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  return typeof b.status === 'string' && optional(b.message) && optional(b.reason);
}

/** Default SLEEP duration in seconds when the command gives none. */
export const DEFAULT_SLEEP_SECONDS = 120;
