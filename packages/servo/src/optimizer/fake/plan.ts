/**
 * A fake optimizer plan: the commands it sends, in order, what it expects of
 * each reply, and the failures it injects. Written as YAML:
 *
 * ```yaml
 * idle_sleep: 30s            # SLEEP answered after the plan, until GOODBYE (default 30s)
 * hello: {fail: {status: 503, times: 1}}
 * steps:                     # or the list of steps as the whole file
 *   - describe
 *   - measure: {metrics: [throughput], control: {duration: 2s}}
 *     expect: ok
 *     cancel: {after: 1, reason: too slow}    # answer the first progress report with cancel
 *   - adjust: {settings: {web.replicas: 5}}
 *     expect: {status: cancelled, reason: replicas}
 *     fail: {status: 503, times: 2}           # the WHATS_NEXT fetching it gets 503 twice
 *   - sleep: 1s
 *     repeat: 3
 * ```
 *
 * Every problem is located: `plan.yaml:7:14: steps[2].expect.status: unknown
 * status "cancelld"; ... (fix: did you mean "cancelled"?)`.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Node } from 'yaml';
import type { PathSegment } from '../../assembly/config/paths.js';
import { parseYamlSource } from '../../assembly/config/yaml-source.js';
import { ConfigErrors } from '../../errors.js';
import type { InjectedFailure, PlanStep, StepTemplate } from './plan-steps.js';
import { PlanError, PlanReader, describe } from './plan-reader.js';
import { readFail, readStep } from './plan-steps.js';

export { PlanError } from './plan-reader.js';
export type { CancelOnProgress, Expectation, InjectedFailure, PlanStep } from './plan-steps.js';

const PLAN_BRAND: unique symbol = Symbol.for('servo-core.fake-optimizer.plan');

/** A validated plan (from {@link parsePlan} or {@link loadPlan}). */
export interface Plan {
  readonly [PLAN_BRAND]: true;
  /** Where it was read from (`<plan>` for text or values). */
  readonly file: string;
  /** The commands in order, repetitions expanded. */
  readonly steps: readonly PlanStep[];
  /** Seconds of the SLEEP answered after the plan, until the servo says GOODBYE. */
  readonly idleSleep: number;
  /** Failures the HELLO requests get before one is answered `ok`. */
  readonly helloFail: InjectedFailure | undefined;
}

/** Every problem of a plan, located (a {@link ConfigErrors}: the CLI prints each and exits 2). */
export class PlanErrors extends ConfigErrors {}

/** Default seconds of the SLEEP answered once the plan is done. */
export const DEFAULT_IDLE_SLEEP = 30;
const TOP_KEYS = ['steps', 'repeat', 'idle_sleep', 'hello'] as const;

/** True for a value returned by {@link parsePlan} or {@link loadPlan}. */
export function isPlan(value: unknown): value is Plan {
  return typeof value === 'object' && value !== null && (value as { [PLAN_BRAND]?: unknown })[PLAN_BRAND] === true;
}

/** Reads and validates a plan file. @throws PlanErrors with every problem located in the file. */
export async function loadPlan(file: string): Promise<Plan> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlanErrors([
      new PlanError(code === 'ENOENT' ? 'plan file not found' : `cannot read the plan: ${(err as Error).message}`, {
        file: path,
        hint: code === 'ENOENT' ? 'pass the path of a plan file (YAML) to --plan' : 'make the file readable',
      }),
    ]);
  }
  return parsePlan(text, path);
}

/**
 * Validates a plan given as YAML text, or as plain values of the same shape
 * (`[{describe: {}}, {measure: {control: {duration: '1s'}}}]`), which are
 * checked as the YAML they would be written as.
 * @throws PlanErrors with every problem located.
 */
export async function parsePlan(input: string | unknown, file = '<plan>'): Promise<Plan> {
  let text: string;
  if (typeof input === 'string') text = input;
  else text = (await import('yaml')).stringify(input);
  const parsed = await parseYamlSource(text, file);
  if (!parsed.source) throw new PlanErrors(parsed.errors);
  const r = new PlanReader(parsed.source);
  const root = parsed.source.resolve(parsed.source.doc.contents as Node | null);
  const hint = 'write a list of steps, e.g. "- describe" on the first line, or a mapping with "steps:"';
  let stepsNode: Node | null = root;
  let stepsPath: PathSegment[] = [];
  let repeat = 1;
  let idleSleep = DEFAULT_IDLE_SLEEP;
  let helloFail: InjectedFailure | undefined;
  if (r.isMap(root)) {
    r.onlyKeys(root!, [], TOP_KEYS);
    const steps = r.field(root!, 'steps');
    if (!steps) r.fail(root, [], 'the plan has no steps', hint);
    stepsNode = steps?.node ?? null;
    stepsPath = ['steps'];
    const rep = r.field(root!, 'repeat');
    if (rep) repeat = r.integer(rep.node, r.where(rep.pair), ['repeat'], 1, 10_000, 'repeat: 2') ?? 1;
    const idle = r.field(root!, 'idle_sleep');
    if (idle) idleSleep = r.seconds(idle.node, r.where(idle.pair), ['idle_sleep']) ?? DEFAULT_IDLE_SLEEP;
    const hello = r.field(root!, 'hello');
    if (hello) helloFail = readHello(r, hello.node, r.where(hello.pair));
  }
  const templates: StepTemplate[] = [];
  if (r.isSeq(stepsNode)) {
    const items = (stepsNode as unknown as { items: (Node | null)[] }).items;
    if (items.length === 0) r.fail(stepsNode, stepsPath, 'the plan has no steps', hint);
    items.forEach((item, i) => {
      const step = readStep(r, parsed.source.resolve(item), [...stepsPath, i]);
      if (step) templates.push(step);
    });
  } else if (r.errors.length === 0) {
    r.fail(stepsNode, stepsPath, `expected a list of steps, got ${describe(r.js(stepsNode))}`, hint);
  }
  if (r.errors.length) throw new PlanErrors(r.errors);
  return { [PLAN_BRAND]: true, file, steps: expand(templates, repeat), idleSleep, helloFail };
}

function readHello(r: PlanReader, node: Node | null, at: Node | null): InjectedFailure | undefined {
  if (!r.isMap(node))
    return r.fail(at, ['hello'], `expected a mapping with "fail", got ${describe(r.js(node))}`, 'write e.g. "hello: {fail: {status: 503, times: 2}}"');
  r.onlyKeys(node!, ['hello'], ['fail']);
  const fail = r.field(node!, 'fail');
  return fail ? readFail(r, fail.node, r.where(fail.pair), ['hello', 'fail'], 'HELLO') : undefined;
}

/** The steps in the order they run: each step `repeat` times, the whole list `planRepeat` times. */
function expand(templates: readonly StepTemplate[], planRepeat: number): PlanStep[] {
  const steps: PlanStep[] = [];
  for (let round = 1; round <= planRepeat; round++) {
    templates.forEach((t, i) => {
      const { repeat, ...step } = t;
      for (let n = 1; n <= repeat; n++) {
        const parts = [String(i + 1), ...(repeat > 1 ? [String(n)] : [])];
        if (planRepeat > 1) parts.unshift(`r${round}`);
        steps.push({ ...step, label: parts.join('.') });
      }
    });
  }
  return steps;
}
