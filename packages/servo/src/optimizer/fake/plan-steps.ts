/**
 * Reads one step of a fake optimizer plan (a YAML node) into the commands it
 * sends: the command's wire param, what the step expects of the servo's
 * reply, and the failures and cancels it injects.
 * @module
 */
import type { Node } from 'yaml';
import type { PathSegment } from '../../assembly/config/paths.js';
import { didYouMean } from '../../assembly/config/suggest.js';
import { type Command, OptimizerStatuses, type OptimizerStatusValue, ServoStatuses, type ServoStatus, type WireControl } from '../protocol.js';
import { describe, type PlanReader } from './plan-reader.js';

/** What a step expects of the servo's reply: a status, and optionally substrings of its reason and message. */
export interface Expectation {
  readonly status: ServoStatus;
  /** A substring the reply's `reason` must contain. */
  readonly reason?: string;
  /** A substring the reply's `message` must contain. */
  readonly message?: string;
}

/** HTTP failures a step injects before it answers normally. */
export interface InjectedFailure {
  /** The HTTP status answered, 400-599 (e.g. 503, 401, 429). */
  readonly status: number;
  /** How many requests get it. */
  readonly times: number;
  /** Which request: the WHATS_NEXT that would fetch the step's command, or the servo's reply to it. */
  readonly on: 'whats_next' | 'reply';
  /** Seconds sent as `Retry-After`. */
  readonly retryAfter?: number;
}

/** Answer the step's `after`-th progress report with `cancel`. */
export interface CancelOnProgress {
  readonly after: number;
  readonly reason: string;
}

/** What a step sends on WHATS_NEXT: a command, or (`STATUS`) a status answer in place of one. */
export type StepCommand = Command | 'STATUS';

/** How progress reports of a step are answered, besides `ok` and a planned `cancel`. */
export type ProgressAnswer = Exclude<OptimizerStatusValue, 'ok' | 'cancel'>;

/** One command of a plan, repetitions expanded. */
export interface PlanStep {
  /** `3`, or `3.2` for the second repetition of step 3 (1-based, as in the file). */
  readonly label: string;
  /** Line of the step in the plan file. */
  readonly line: number | undefined;
  readonly name: string | undefined;
  readonly command: StepCommand;
  /** The command's `param` on the wire; for `STATUS`, the answer's body (`{status, message?, reason?}`). */
  readonly param: Readonly<Record<string, unknown>>;
  readonly expect: Expectation | undefined;
  readonly fail: InjectedFailure | undefined;
  readonly cancel: CancelOnProgress | undefined;
  /** Answer every progress report of the step with this status (before any planned cancel). */
  readonly progressAnswer: ProgressAnswer | undefined;
  /** Milliseconds to wait before answering the WHATS_NEXT that fetches this command. */
  readonly delayMs: number;
}

/** The step kinds, each the key that names it in the plan. */
export const STEP_KINDS = ['describe', 'measure', 'adjust', 'sleep', 'status'] as const;
const STEP_OPTIONS = ['expect', 'repeat', 'fail', 'cancel', 'answer_progress', 'delay', 'name'] as const;
const CONTROL_DURATIONS = ['duration', 'delay', 'past', 'warmup', 'settlement'] as const;
const CONTROL_MAPPINGS = ['load', 'userdata', 'environment'] as const;
/** The reason a progress report is cancelled with when the plan names none. */
export const DEFAULT_CANCEL_REASON = 'cancelled by the fake optimizer';
const KIND_HINT = `start the step with one of ${STEP_KINDS.join(', ')}, e.g. "- measure: {control: {duration: 5s}}"`;

/** A step read from the file, before repetitions are expanded. */
export type StepTemplate = Omit<PlanStep, 'label'> & { readonly repeat: number };

/** Reads the step at `path`; undefined (with problems reported) when it is invalid. */
export function readStep(r: PlanReader, node: Node | null, path: readonly PathSegment[]): StepTemplate | undefined {
  const line = r.source.positionOf(node)?.line;
  const scalar = r.js(node);
  if (typeof scalar === 'string') {
    if (scalar === 'describe' || scalar === 'measure')
      return base(line, scalar === 'describe' ? 'DESCRIBE' : 'MEASURE', scalar === 'describe' ? {} : { control: {} });
    if (scalar === 'adjust' || scalar === 'sleep' || scalar === 'status')
      return r.fail(node, path, `"${scalar}" is not a step on its own`, `give it its fields, e.g. "- ${example(scalar)}"`);
    return r.fail(node, path, `unknown step "${scalar}"`, didYouMean(scalar, STEP_KINDS, KIND_HINT));
  }
  if (!node || !r.isMap(node)) return r.fail(node, path, `expected a step (a mapping), got ${describe(scalar)}`, KIND_HINT);
  const kinds = r.entries(node, path).filter((e) => (STEP_KINDS as readonly string[]).includes(e.key));
  r.onlyKeys(node, path, [...STEP_KINDS, ...STEP_OPTIONS]);
  if (kinds.length !== 1) {
    return r.fail(
      kinds[1]?.pair.key ?? node,
      path,
      kinds.length ? `a step has one command, this one has ${kinds.map((k) => k.key).join(' and ')}` : 'no command in this step',
      KIND_HINT,
    );
  }
  const { key: kind, value, pair } = kinds[0]!;
  const at = [...path, kind];
  let step: StepTemplate | undefined;
  if (kind === 'describe') {
    step =
      r.isEmpty(value) || (r.isMap(value) && r.entries(value!, at).length === 0)
        ? base(line, 'DESCRIBE', {})
        : r.fail(value, at, 'describe takes no fields', 'write "- describe" or "- describe: {}"');
  } else if (kind === 'measure') step = readMeasure(r, value, at, line);
  else if (kind === 'adjust') step = readAdjust(r, value, pair.key, at, line);
  else if (kind === 'status') step = readStatus(r, value, pair.key, at, line);
  else step = readSleep(r, value, pair.key, at, line);
  if (!step) return undefined;
  return readOptions(r, node, path, step);
}

function base(line: number | undefined, command: StepCommand, param: Record<string, unknown>): StepTemplate {
  return { line, name: undefined, command, param, expect: undefined, fail: undefined, cancel: undefined, progressAnswer: undefined, delayMs: 0, repeat: 1 };
}

function example(kind: string): string {
  return kind === 'adjust' ? 'adjust: {settings: {web.replicas: 2}}' : kind === 'status' ? 'status: ok' : 'sleep: 5s';
}

/** `status: ok` or `status: {status, message, reason}`: WHATS_NEXT answered with a status instead of a command. */
function readStatus(r: PlanReader, value: Node | null, key: Node, path: readonly PathSegment[], line: number | undefined): StepTemplate | undefined {
  const hint = 'write e.g. "status: ok" or "status: {status: ok, message: nothing to do yet}"';
  const known = (v: unknown, at: Node | null, p: readonly PathSegment[]): string | undefined => {
    if (typeof v === 'string' && (OptimizerStatuses as readonly string[]).includes(v)) return v;
    const shown = typeof v === 'string' ? `"${v}"` : describe(v);
    return r.fail(
      at,
      p,
      `unknown status ${shown}; expected one of ${OptimizerStatuses.join(', ')}`,
      typeof v === 'string' ? didYouMean(v, OptimizerStatuses, hint) : hint,
    );
  };
  if (r.isEmpty(value)) return r.fail(key, path, 'a status step needs a status', hint);
  if (!r.isMap(value)) {
    const status = known(r.js(value), value, path);
    return status === undefined ? undefined : base(line, 'STATUS', { status });
  }
  r.onlyKeys(value!, path, ['status', 'message', 'reason']);
  const st = r.field(value!, 'status');
  if (!st) return r.fail(value, path, 'a status step needs a status', hint);
  const status = known(r.js(st.node), r.where(st.pair), [...path, 'status']);
  const body: Record<string, unknown> = { status };
  for (const k of ['message', 'reason'] as const) {
    const f = r.field(value!, k);
    if (f) body[k] = r.text(f.node, r.where(f.pair), [...path, k], `a ${k}`);
  }
  return status === undefined ? undefined : base(line, 'STATUS', body);
}

function readMeasure(r: PlanReader, value: Node | null, path: readonly PathSegment[], line: number | undefined): StepTemplate | undefined {
  if (r.isEmpty(value)) return base(line, 'MEASURE', { control: {} });
  if (!r.isMap(value))
    return r.fail(
      value,
      path,
      `expected a mapping with metrics and control, got ${describe(r.js(value))}`,
      'write e.g. "measure: {metrics: [throughput], control: {duration: 5s}}"',
    );
  r.onlyKeys(value!, path, ['metrics', 'control']);
  const param: Record<string, unknown> = { control: readControl(r, r.field(value!, 'control'), [...path, 'control']) ?? {} };
  const metrics = r.field(value!, 'metrics');
  if (metrics && !r.isEmpty(metrics.node)) {
    const m = r.js(metrics.node);
    const names = Array.isArray(m) ? m : m && typeof m === 'object' ? Object.keys(m) : undefined;
    if (!names?.every((n) => typeof n === 'string' && n.length > 0)) {
      r.fail(
        metrics.node,
        [...path, 'metrics'],
        `expected metric names (a list) or a mapping of names to {unit}, got ${describe(m)}`,
        'write e.g. "metrics: [throughput, latency]"',
      );
    } else param.metrics = m;
  }
  return base(line, 'MEASURE', param);
}

function readAdjust(r: PlanReader, value: Node | null, key: Node, path: readonly PathSegment[], line: number | undefined): StepTemplate | undefined {
  const hint = 'write e.g. "adjust: {settings: {web.replicas: 2, web.cpu: 0.5}}"';
  if (!r.isMap(value)) return r.fail(r.isEmpty(value) ? key : value, path, 'an adjust step needs settings', hint);
  r.onlyKeys(value!, path, ['settings', 'state', 'control']);
  // `state`: the wire state sent as written (e.g. {} to see how a servo answers an unusable command).
  const state = r.field(value!, 'state');
  if (state && !r.field(value!, 'settings')) {
    if (!r.isEmpty(state.node) && !r.isMap(state.node))
      return r.fail(state.node, [...path, 'state'], `expected a mapping, got ${describe(r.js(state.node))}`, hint);
    const param: Record<string, unknown> = { state: r.js(state.node) ?? {} };
    const control = readControl(r, r.field(value!, 'control'), [...path, 'control']);
    if (control) param.control = control;
    return base(line, 'ADJUST', param);
  }
  const settings = r.field(value!, 'settings');
  if (!settings || !r.isMap(settings.node) || r.entries(settings.node!, path).length === 0) {
    return r.fail(settings ? r.where(settings.pair) : value, [...path, 'settings'], 'expected settings: COMPONENT.SETTING: VALUE, at least one', hint);
  }
  const components: Record<string, { settings: Record<string, { value: number | string }> }> = {};
  const put = (component: string, setting: string, v: unknown, at: Node | null, p: readonly PathSegment[]) => {
    if ((typeof v !== 'number' || !Number.isFinite(v)) && typeof v !== 'string') {
      return r.fail(at, p, `expected a number or text as the value, got ${describe(v)}`, 'write e.g. "web.replicas: 2" or "web.tier: gold"');
    }
    const c = (components[component] ??= { settings: {} });
    c.settings[setting] = { value: v };
  };
  for (const { key: name, pair, value: v } of r.entries(settings.node!, [...path, 'settings'])) {
    const at = [...path, 'settings', name];
    const dot = name.lastIndexOf('.');
    if (r.isMap(v)) {
      if (dot !== -1)
        r.fail(pair.key, at, `"${name}" has a dot and nested settings`, 'write either "COMPONENT.SETTING: VALUE" or "COMPONENT: {SETTING: VALUE}"');
      else for (const s of r.entries(v!, at)) put(name, s.key, r.js(s.value), r.where(s.pair), [...at, s.key]);
    } else if (dot <= 0 || dot === name.length - 1) {
      r.fail(pair.key, at, `"${name}" does not name a component and a setting`, 'write COMPONENT.SETTING, e.g. "web.replicas: 2"');
    } else put(name.slice(0, dot), name.slice(dot + 1), r.js(v), r.where(pair), at);
  }
  const param: Record<string, unknown> = { state: { application: { components } } };
  const control = readControl(r, r.field(value!, 'control'), [...path, 'control']);
  if (control) param.control = control;
  return base(line, 'ADJUST', param);
}

function readSleep(r: PlanReader, value: Node | null, key: Node, path: readonly PathSegment[], line: number | undefined): StepTemplate | undefined {
  let duration: Node | null = value;
  let at: Node | null = value;
  let reason = 'plan step';
  if (r.isMap(value)) {
    r.onlyKeys(value!, path, ['duration', 'reason']);
    const d = r.field(value!, 'duration');
    if (!d) return r.fail(value, path, 'a sleep step needs a duration', 'write e.g. "sleep: {duration: 5s}" or "sleep: 5s"');
    duration = d.node;
    at = r.where(d.pair);
    const reasonField = r.field(value!, 'reason');
    if (reasonField) reason = r.text(reasonField.node, r.where(reasonField.pair), [...path, 'reason'], 'the reason') ?? reason;
  } else if (r.isEmpty(value)) return r.fail(key, path, 'a sleep step needs a duration', 'write e.g. "sleep: 5s"');
  const seconds = r.seconds(duration, at, r.isMap(value) ? [...path, 'duration'] : path);
  return seconds === undefined ? undefined : base(line, 'SLEEP', { duration: seconds, data: { reason } });
}

function readControl(r: PlanReader, field: ReturnType<PlanReader['field']>, path: readonly PathSegment[]): WireControl | undefined {
  if (!field || r.isEmpty(field.node)) return undefined;
  if (!r.isMap(field.node))
    return r.fail(field.node, path, `expected a mapping, got ${describe(r.js(field.node))}`, 'write e.g. "control: {duration: 5s, warmup: 0s}"');
  r.onlyKeys(field.node!, path, [...CONTROL_DURATIONS, ...CONTROL_MAPPINGS]);
  const control: Record<string, unknown> = {};
  for (const { key, pair, value } of r.entries(field.node!, path)) {
    if ((CONTROL_DURATIONS as readonly string[]).includes(key)) {
      const s = r.seconds(value, r.where(pair), [...path, key]);
      if (s !== undefined) control[key] = s;
    } else if ((CONTROL_MAPPINGS as readonly string[]).includes(key)) {
      if (r.isEmpty(value) || r.isMap(value)) control[key] = r.js(value);
      else r.fail(value, [...path, key], `expected a mapping, got ${describe(r.js(value))}`, `write e.g. "${key}: {}"`);
    }
  }
  return control as WireControl;
}

function readOptions(r: PlanReader, node: Node, path: readonly PathSegment[], step: StepTemplate): StepTemplate | undefined {
  const s: { -readonly [K in keyof StepTemplate]: StepTemplate[K] } = { ...step };
  const before = r.errors.length;
  const repeat = r.field(node, 'repeat');
  if (repeat) s.repeat = r.integer(repeat.node, r.where(repeat.pair), [...path, 'repeat'], 1, 10_000, 'repeat: 3') ?? 1;
  const name = r.field(node, 'name');
  if (name) s.name = r.text(name.node, r.where(name.pair), [...path, 'name'], 'a name');
  const delay = r.field(node, 'delay');
  if (delay) s.delayMs = (r.seconds(delay.node, r.where(delay.pair), [...path, 'delay']) ?? 0) * 1000;
  const expect = r.field(node, 'expect');
  if (expect) {
    if (step.command === 'SLEEP' || step.command === 'STATUS')
      r.fail(expect.pair.key, [...path, 'expect'], `a ${step.command.toLowerCase()} step has no reply to expect`, 'remove "expect" from this step');
    else s.expect = readExpect(r, expect.node, r.where(expect.pair), [...path, 'expect']);
  }
  const fail = r.field(node, 'fail');
  if (fail) s.fail = readFail(r, fail.node, r.where(fail.pair), [...path, 'fail'], step.command);
  const cancel = r.field(node, 'cancel');
  if (cancel) {
    if (step.command !== 'MEASURE' && step.command !== 'ADJUST') {
      r.fail(cancel.pair.key, [...path, 'cancel'], 'only measure and adjust steps report progress to cancel', 'remove "cancel" from this step');
    } else s.cancel = readCancel(r, cancel.node, r.where(cancel.pair), [...path, 'cancel']);
  }
  const answer = r.field(node, 'answer_progress');
  if (answer) {
    const v = r.js(answer.node);
    const allowed: readonly ProgressAnswer[] = ['invalid', 'unexpected-event'];
    if (step.command !== 'MEASURE' && step.command !== 'ADJUST') {
      r.fail(answer.pair.key, [...path, 'answer_progress'], 'only measure and adjust steps report progress', 'remove "answer_progress" from this step');
    } else if (allowed.includes(v as ProgressAnswer)) s.progressAnswer = v as ProgressAnswer;
    else
      r.fail(
        r.where(answer.pair),
        [...path, 'answer_progress'],
        `expected ${allowed.join(' or ')}, got ${describe(v)}`,
        'write "answer_progress: unexpected-event"',
      );
  }
  return r.errors.length === before ? s : undefined;
}

function readExpect(r: PlanReader, node: Node | null, at: Node | null, path: readonly PathSegment[]): Expectation | undefined {
  const status = (value: unknown, where: Node | null, p: readonly PathSegment[]): ServoStatus | undefined => {
    if (typeof value === 'string' && (ServoStatuses as readonly string[]).includes(value)) return value as ServoStatus;
    const shown = typeof value === 'string' ? `"${value}"` : describe(value);
    return r.fail(
      where,
      p,
      `unknown status ${shown}; expected one of ${ServoStatuses.join(', ')}`,
      typeof value === 'string' ? didYouMean(value, ServoStatuses, 'write e.g. "expect: ok"') : 'write e.g. "expect: ok"',
    );
  };
  if (!r.isMap(node)) {
    const st = status(r.js(node), at, path);
    return st && { status: st };
  }
  r.onlyKeys(node!, path, ['status', 'reason', 'message']);
  const st = r.field(node!, 'status');
  if (!st) return r.fail(node, path, 'an expectation needs a status', 'write e.g. "expect: {status: cancelled, reason: replicas}"');
  const out: { status: ServoStatus; reason?: string; message?: string } = { status: status(r.js(st.node), r.where(st.pair), [...path, 'status']) ?? 'ok' };
  for (const k of ['reason', 'message'] as const) {
    const f = r.field(node!, k);
    if (f) {
      const t = r.text(f.node, r.where(f.pair), [...path, k], `a ${k} substring`);
      if (t !== undefined) out[k] = t;
    }
  }
  return out;
}

/** Reads `fail:` (a status, or {status, times, on, retry_after}); HELLO's has no `on`. */
export function readFail(
  r: PlanReader,
  node: Node | null,
  at: Node | null,
  path: readonly PathSegment[],
  command: StepCommand | 'HELLO',
): InjectedFailure | undefined {
  const hint = 'write e.g. "fail: {status: 503, times: 2}"';
  if (!r.isMap(node)) {
    const status = r.integer(node, at, path, 400, 599, '"fail: 503" or "fail: {status: 503, times: 2}"');
    return status === undefined ? undefined : { status, times: 1, on: 'whats_next' };
  }
  r.onlyKeys(node!, path, command === 'HELLO' ? ['status', 'times', 'retry_after'] : ['status', 'times', 'on', 'retry_after']);
  const st = r.field(node!, 'status');
  if (!st) return r.fail(node, path, 'an injected failure needs an HTTP status', hint);
  const status = r.integer(st.node, r.where(st.pair), [...path, 'status'], 400, 599, 'status: 503');
  const t = r.field(node!, 'times');
  const times = t ? r.integer(t.node, r.where(t.pair), [...path, 'times'], 1, 1000, 'times: 2') : 1;
  const o = r.field(node!, 'on');
  let on: InjectedFailure['on'] = 'whats_next';
  if (o) {
    const v = r.js(o.node);
    if (v === 'reply' && (command === 'SLEEP' || command === 'STATUS'))
      r.fail(r.where(o.pair), [...path, 'on'], `a ${command.toLowerCase()} step has no reply to fail`, 'use "on: whats_next"');
    else if (v === 'whats_next' || v === 'reply') on = v;
    else
      r.fail(
        r.where(o.pair),
        [...path, 'on'],
        `expected whats_next or reply, got ${describe(v)}`,
        'write "on: whats_next" (the request fetching the command) or "on: reply"',
      );
  }
  const ra = r.field(node!, 'retry_after');
  const retryAfter = ra ? r.seconds(ra.node, r.where(ra.pair), [...path, 'retry_after']) : undefined;
  if (status === undefined || times === undefined) return undefined;
  return retryAfter === undefined ? { status, times, on } : { status, times, on, retryAfter };
}

function readCancel(r: PlanReader, node: Node | null, at: Node | null, path: readonly PathSegment[]): CancelOnProgress | undefined {
  const v = r.js(node);
  if (v === true) return { after: 1, reason: DEFAULT_CANCEL_REASON };
  if (v === false) return undefined;
  if (!r.isMap(node))
    return r.fail(at, path, `expected true or {after, reason}, got ${describe(v)}`, 'write "cancel: true" or "cancel: {after: 2, reason: too slow}"');
  r.onlyKeys(node!, path, ['after', 'reason']);
  const a = r.field(node!, 'after');
  const after = a ? r.integer(a.node, r.where(a.pair), [...path, 'after'], 1, 10_000, 'after: 1') : 1;
  const re = r.field(node!, 'reason');
  const reason = re ? r.text(re.node, r.where(re.pair), [...path, 'reason'], 'a reason') : DEFAULT_CANCEL_REASON;
  return after === undefined || reason === undefined ? undefined : { after, reason };
}
