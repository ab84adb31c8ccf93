/**
 * A fake optimizer: a real HTTP server speaking the servo ↔ optimizer
 * protocol, following a plan (see {@link parsePlan}) — for tests, demos,
 * benchmarks, and for dry-running an assembly before pointing it at a real
 * optimizer. The `servo optimizer fake` command runs one; this module is its
 * programmatic form (`servo-core/optimizer/fake`).
 *
 * @example
 * const fake = await startFakeOptimizer({ plan: [{ describe: {} }, { measure: { control: { duration: '1s' } }, expect: 'ok' }], token: 't' });
 * // servo run --base-url ${fake.url} --optimizer ${fake.id} --token t
 * const result = await fake.done;  // after the servo's GOODBYE
 * await fake.close();
 * @module
 */
import { UsageError } from '../../errors.js';
import { type Plan, isPlan, parsePlan } from './plan.js';
import { type FakeRecord, Recorder } from './recorder.js';
import { createFakeServer, listen } from './server.js';
import { type FakeEvent, type FakeResult, FakeSession } from './session.js';
import { formatSummary } from './summary.js';

export { DEFAULT_IDLE_SLEEP, type Plan, PlanError, PlanErrors, isPlan, loadPlan, parsePlan } from './plan.js';
export type { CancelOnProgress, Expectation, InjectedFailure, PlanStep } from './plan-steps.js';
export type { FakeRecord } from './recorder.js';
export type { Answer, FakeEvent, FakeResult, StepOutcome, StepState } from './session.js';
export { FakeSession } from './session.js';
export { escapeText, formatEvent, formatSummary } from './summary.js';

/** Options of {@link startFakeOptimizer}. */
export interface FakeOptimizerOptions {
  /** A plan from {@link loadPlan}/{@link parsePlan}, its YAML text, or plain values of the same shape. */
  readonly plan: Plan | string | readonly unknown[] | Readonly<Record<string, unknown>>;
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Bearer token every request must carry; none: any request is accepted. */
  readonly token?: string;
  /** `ORG/APP` the endpoint answers for (default `example.com/app`). */
  readonly id?: string;
  /** A JSONL file every received message is appended to (truncated first). */
  readonly record?: string;
  /** Keep records in memory (`records`); default true. Turn off for long benchmarks. */
  readonly keepRecords?: boolean;
  /** Called for every exchange, synchronously, before the answer is sent. */
  readonly onEvent?: (event: FakeEvent) => void;
}

/** A running fake optimizer. */
export interface FakeOptimizer {
  /** Base URL, `http://127.0.0.1:PORT`: `servo run --base-url URL --optimizer ID`. */
  readonly url: string;
  /** `ORG/APP`. */
  readonly id: string;
  /** `{url}/accounts/ORG/applications/APP/`: the `--url` form. */
  readonly optimizerUrl: string;
  /** The one endpoint, `{optimizerUrl}servo`. */
  readonly endpoint: string;
  readonly port: number;
  readonly plan: Plan;
  /** Every message received so far, in order (empty with `keepRecords: false`). */
  readonly records: readonly FakeRecord[];
  /** Resolves when the plan has run (every step replied or GOODBYE came first). */
  readonly planEnded: Promise<FakeResult>;
  /** Resolves at the servo's GOODBYE. */
  readonly done: Promise<FakeResult>;
  /** The outcome so far. */
  result(): FakeResult;
  /** The summary text of the outcome so far. */
  summary(): string;
  /** Stops listening, drops connections, closes the record file. */
  close(): Promise<void>;
}

/** The default `ORG/APP`. */
export const DEFAULT_FAKE_ID = 'example.com/app';
const ID = /^[^/\s]+\/[^/\s]+$/;

/**
 * Starts a fake optimizer on 127.0.0.1 (by default) following `plan`.
 * @throws PlanErrors for an invalid plan; UsageError for a bad id; the listen error (e.g. EADDRINUSE).
 */
export async function startFakeOptimizer(options: FakeOptimizerOptions): Promise<FakeOptimizer> {
  const plan = isPlan(options.plan) ? options.plan : await parsePlan(options.plan);
  const id = options.id ?? DEFAULT_FAKE_ID;
  if (!ID.test(id)) throw new UsageError(`optimizer id "${id}" is not ORG/APP (e.g. ${DEFAULT_FAKE_ID})`);
  const host = options.host ?? '127.0.0.1';
  let endPlan: (r: FakeResult) => void = () => {};
  let goodbye: (r: FakeResult) => void = () => {};
  const planEnded = new Promise<FakeResult>((resolve) => (endPlan = resolve));
  const done = new Promise<FakeResult>((resolve) => (goodbye = resolve));
  const onEvent = options.onEvent;
  const session: FakeSession = new FakeSession(plan, (e) => {
    onEvent?.(e);
    if (e.type === 'plan-end') endPlan(e.result);
    // The session emits 'goodbye' after it has closed the plan: the result is final.
    if (e.type === 'goodbye') goodbye(session.result());
  });
  const recorder = new Recorder(options.record, options.keepRecords ?? true);
  const { server, cancelDelays } = createFakeServer({ session, recorder, id, token: options.token });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (err) {
    recorder.close();
    throw err;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const [org, app] = id.split('/') as [string, string];
  const optimizerUrl = `${url}/accounts/${encodeURIComponent(org)}/applications/${encodeURIComponent(app)}/`;
  let closed: Promise<void> | undefined;
  return {
    url,
    id,
    optimizerUrl,
    endpoint: `${optimizerUrl}servo`,
    port,
    plan,
    records: recorder.records,
    planEnded,
    done,
    result: () => session.result(),
    summary: () => formatSummary(session.result(), plan.file),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        cancelDelays();
        server.close(() => {
          recorder.close();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}
