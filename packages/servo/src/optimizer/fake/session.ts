/**
 * The fake optimizer's side of the conversation: takes each message the servo
 * posts and decides the answer, following the plan — the next command on
 * WHATS_NEXT, `ok` (or an injected failure) on replies, `cancel` on progress
 * when the step asks for it, SLEEP once the plan is done — and keeps each
 * step's outcome against its expectation. No I/O: the server feeds it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { REPLY_EVENT, ServoEvents, type ServoEvent, ServoStatuses } from '../protocol.js';
import type { Plan } from './plan.js';
import type { Expectation, InjectedFailure, PlanStep, ProgressAnswer, StepCommand } from './plan-steps.js';

/** Where a step is: not sent yet, sent and awaiting the servo's reply, replied, or never run (the servo left first). */
export type StepState = 'pending' | 'sent' | 'replied' | 'not run';

/** What happened to one step of the plan. */
export interface StepOutcome {
  readonly label: string;
  readonly name: string | undefined;
  readonly line: number | undefined;
  readonly command: StepCommand;
  readonly expect: Expectation | undefined;
  state: StepState;
  cmdUid: string | undefined;
  /** The reply's status, reason and message (as the servo sent them). */
  status: string | undefined;
  reason: string | undefined;
  message: string | undefined;
  /** The reply's whole param. */
  reply: Readonly<Record<string, unknown>> | undefined;
  /** Progress reports received while it ran. */
  progress: number;
  /** Whether a progress report was answered `cancel`. */
  cancelSent: boolean;
  /** Requests answered with an injected HTTP failure. */
  injected: number;
  /** Expectation not met, protocol mistakes: why the step failed. */
  readonly problems: string[];
  /** Replied, the expectation (if any) met and no problem. */
  ok: boolean;
}

/** What the fake optimizer saw, so far or in the end. */
export interface FakeResult {
  /** Every step replied with what it expected, no protocol problem, and the plan ran to its end. */
  readonly ok: boolean;
  readonly planEnded: boolean;
  readonly steps: readonly StepOutcome[];
  /** Problems outside a step (a malformed message, a reply with no command running, GOODBYE before the end). */
  readonly problems: readonly string[];
  readonly hello: { readonly agent: string | undefined; readonly servoUid: string | null } | undefined;
  readonly goodbye: { readonly reason: string | undefined } | undefined;
}

/** Something the fake optimizer did or received, for live output. */
export type FakeEvent =
  | { readonly type: 'hello'; readonly agent: string | undefined; readonly servoUid: string | null }
  | { readonly type: 'command'; readonly step: StepOutcome; readonly cmdUid: string; readonly param: Readonly<Record<string, unknown>> }
  | {
      readonly type: 'progress';
      readonly step: StepOutcome;
      readonly progress: unknown;
      readonly message: string | undefined;
      readonly answer: 'ok' | 'cancel' | ProgressAnswer;
    }
  | { readonly type: 'reply'; readonly step: StepOutcome }
  | {
      readonly type: 'injected';
      readonly step: StepOutcome | undefined;
      readonly on: 'hello' | 'whats_next' | 'reply';
      readonly http: number;
      readonly n: number;
      readonly times: number;
    }
  | { readonly type: 'plan-end'; readonly result: FakeResult }
  | { readonly type: 'idle'; readonly seconds: number }
  | { readonly type: 'goodbye'; readonly reason: string | undefined }
  | { readonly type: 'problem'; readonly message: string };

/** The HTTP answer to one message. */
export interface Answer {
  readonly http: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

const OK: Answer = { http: 200, body: { status: 'ok' } };
const PAYLOAD: Partial<Record<ServoEvent, string>> = { DESCRIPTION: 'descriptor', MEASUREMENT: 'metrics', ADJUSTMENT: 'state' };

/** One conversation with servos, following one plan. */
export class FakeSession {
  readonly #plan: Plan;
  readonly #steps: StepOutcome[];
  readonly #emit: (e: FakeEvent) => void;
  readonly #problems: string[] = [];
  #next = 0;
  #current: { step: StepOutcome; plan: PlanStep } | undefined;
  #helloFailed = 0;
  readonly #whatsNextFailed = new Map<PlanStep, number>();
  readonly #replyFailed = new Map<PlanStep, number>();
  #hello: FakeResult['hello'];
  #goodbye: FakeResult['goodbye'];
  #planEnded = false;
  #idleAnnounced = false;
  #seq = 0;

  constructor(plan: Plan, emit: (e: FakeEvent) => void = () => {}) {
    this.#plan = plan;
    this.#emit = emit;
    this.#steps = plan.steps.map((s) => ({
      label: s.label,
      name: s.name,
      line: s.line,
      command: s.command,
      expect: s.expect,
      state: 'pending',
      cmdUid: undefined,
      status: undefined,
      reason: undefined,
      message: undefined,
      reply: undefined,
      progress: 0,
      cancelSent: false,
      injected: 0,
      problems: [],
      ok: false,
    }));
  }

  get planEnded(): boolean {
    return this.#planEnded;
  }

  get saidGoodbye(): boolean {
    return this.#goodbye !== undefined;
  }

  /** The outcome so far (steps not run yet are `pending`). */
  result(): FakeResult {
    const ok = this.#planEnded && this.#problems.length === 0 && this.#steps.every((s) => s.ok);
    return { ok, planEnded: this.#planEnded, steps: this.#steps, problems: this.#problems, hello: this.#hello, goodbye: this.#goodbye };
  }

  /** The answer to one message the servo posted (already parsed from JSON). */
  handle(message: unknown): Answer {
    const m = message as { event?: unknown; param?: unknown; servo_uid?: unknown } | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m) || !ServoEvents.includes(m.event as ServoEvent)) {
      const got = typeof m === 'object' && m !== null && 'event' in m ? `event ${JSON.stringify(m.event)}` : 'no event';
      return this.#invalid(400, `expected {"event": ${ServoEvents.join('|')}, "param", "servo_uid"}, got ${got}`);
    }
    const param = typeof m.param === 'object' && m.param !== null && !Array.isArray(m.param) ? (m.param as Record<string, unknown>) : undefined;
    switch (m.event as ServoEvent) {
      case 'HELLO':
        return this.#onHello(param, typeof m.servo_uid === 'string' ? m.servo_uid : null);
      case 'WHATS_NEXT':
        return this.#onWhatsNext();
      case 'GOODBYE':
        return this.#onGoodbye(param);
      default:
        if (!param) return this.#invalid(400, `${String(m.event)} without a param`);
        if ('progress' in param && !('status' in param)) return this.#onProgress(m.event as ServoEvent, param);
        return this.#onReply(m.event as ServoEvent, param);
    }
  }

  /** The answer to a body that is not JSON: 400 invalid, noted as a problem. */
  notJson(): Answer {
    return this.#invalid(400, 'the body is not JSON');
  }

  #onHello(param: Record<string, unknown> | undefined, servoUid: string | null): Answer {
    const fail = this.#plan.helloFail;
    if (fail && this.#helloFailed < fail.times) return this.#inject(fail, ++this.#helloFailed, undefined, 'hello');
    this.#hello = { agent: typeof param?.agent === 'string' ? param.agent : undefined, servoUid };
    this.#emit({ type: 'hello', ...this.#hello });
    return OK;
  }

  #onWhatsNext(): Answer {
    if (this.#current) {
      const { step } = this.#current;
      this.#problem(step, `the servo asked WHATS_NEXT without replying to ${step.command} (cmd_uid ${step.cmdUid})`);
      step.state = 'replied';
      this.#current = undefined;
    }
    const planStep = this.#plan.steps[this.#next];
    if (!planStep) {
      this.#endPlan();
      if (!this.#idleAnnounced) {
        this.#idleAnnounced = true;
        this.#emit({ type: 'idle', seconds: this.#plan.idleSleep });
      }
      return {
        http: 200,
        body: { cmd: 'SLEEP', cmd_uid: this.#uid(), param: { duration: this.#plan.idleSleep, data: { reason: 'the fake optimizer plan is done' } } },
      };
    }
    const step = this.#steps[this.#next]!;
    const fail = planStep.fail;
    if (fail?.on === 'whats_next') {
      const n = (this.#whatsNextFailed.get(planStep) ?? 0) + 1;
      if (n <= fail.times) {
        this.#whatsNextFailed.set(planStep, n);
        return this.#inject(fail, n, step, 'whats_next');
      }
    }
    this.#next++;
    step.cmdUid = this.#uid();
    step.state = 'sent';
    this.#emit({ type: 'command', step, cmdUid: step.cmdUid, param: planStep.param });
    if (planStep.command === 'SLEEP' || planStep.command === 'STATUS') {
      // Nothing to reply to: done once sent.
      step.state = 'replied';
      step.ok = true;
      if (this.#next >= this.#steps.length) this.#endPlan();
    } else this.#current = { step, plan: planStep };
    const body = planStep.command === 'STATUS' ? planStep.param : { cmd: planStep.command, cmd_uid: step.cmdUid, param: planStep.param };
    return planStep.delayMs > 0 ? { http: 200, body, delayMs: planStep.delayMs } : { http: 200, body };
  }

  #onProgress(event: ServoEvent, param: Record<string, unknown>): Answer {
    const current = this.#current;
    if (!current || REPLY_EVENT[current.step.command as keyof typeof REPLY_EVENT] !== event) {
      this.#problem(current?.step, `progress on ${event} while ${current ? `${current.step.command} runs` : 'no command runs'}`);
      return { http: 200, body: { status: 'unexpected-event', message: `no ${event === 'MEASUREMENT' ? 'MEASURE' : 'ADJUST'} command is running` } };
    }
    const { step, plan } = current;
    if (param.cmd_uid !== step.cmdUid) {
      this.#problem(step, `progress with cmd_uid ${JSON.stringify(param.cmd_uid)}, expected "${step.cmdUid}"`);
      return { http: 200, body: { status: 'invalid', message: 'unexpected cmd_uid' } };
    }
    step.progress++;
    const message = typeof param.message === 'string' ? param.message : undefined;
    if (plan.progressAnswer) {
      this.#emit({ type: 'progress', step, progress: param.progress, message, answer: plan.progressAnswer });
      return { http: 200, body: { status: plan.progressAnswer, message: `progress answered ${plan.progressAnswer} by the fake optimizer's plan` } };
    }
    if (plan.cancel && (step.cancelSent || step.progress >= plan.cancel.after)) {
      step.cancelSent = true;
      this.#emit({ type: 'progress', step, progress: param.progress, message, answer: 'cancel' });
      return { http: 200, body: { status: 'cancel', reason: plan.cancel.reason } };
    }
    this.#emit({ type: 'progress', step, progress: param.progress, message, answer: 'ok' });
    return OK;
  }

  #onReply(event: ServoEvent, param: Record<string, unknown>): Answer {
    const current = this.#current;
    if (!current) {
      this.#problem(undefined, `a ${event} reply while no command runs`);
      return { http: 200, body: { status: 'unexpected-event', message: 'no command is running' } };
    }
    const { step, plan } = current;
    const expected = REPLY_EVENT[step.command as keyof typeof REPLY_EVENT];
    if (event !== expected) {
      this.#problem(step, `the servo replied ${event} to ${step.command} (expected ${expected})`);
      return { http: 200, body: { status: 'unexpected-event', message: `expected ${expected}` } };
    }
    if (plan.fail?.on === 'reply') {
      const n = (this.#replyFailed.get(plan) ?? 0) + 1;
      if (n <= plan.fail.times) {
        this.#replyFailed.set(plan, n);
        return this.#inject(plan.fail, n, step, 'reply');
      }
    }
    this.#current = undefined;
    step.state = 'replied';
    step.reply = param;
    step.status = typeof param.status === 'string' ? param.status : undefined;
    step.reason = typeof param.reason === 'string' ? param.reason : undefined;
    step.message = typeof param.message === 'string' ? param.message : undefined;
    let answer = OK;
    if (param.cmd_uid !== step.cmdUid) {
      this.#problem(step, `cmd_uid ${JSON.stringify(param.cmd_uid)} does not echo the command's "${step.cmdUid}"`);
      answer = { http: 200, body: { status: 'invalid', message: 'unexpected cmd_uid' } };
    }
    if (!ServoStatuses.includes(step.status as never)) this.#problem(step, `status ${JSON.stringify(param.status)} is not one of ${ServoStatuses.join(', ')}`);
    const payload = PAYLOAD[event]!;
    if (step.status === 'ok' && (typeof param[payload] !== 'object' || param[payload] === null)) this.#problem(step, `an ok ${event} without "${payload}"`);
    const mismatch = step.expect && unmet(step.expect, step);
    if (mismatch) step.problems.push(mismatch);
    step.ok = step.problems.length === 0;
    this.#emit({ type: 'reply', step });
    if (this.#next >= this.#steps.length) this.#endPlan();
    return answer;
  }

  #onGoodbye(param: Record<string, unknown> | undefined): Answer {
    this.#goodbye = { reason: typeof param?.reason === 'string' ? param.reason : undefined };
    if (!this.#planEnded) {
      const left = this.#steps.filter((s) => s.state !== 'replied');
      if (left.length) this.#problems.push(`the servo said GOODBYE with ${left.length} step(s) of the plan not done`);
      for (const s of left) s.state = 'not run';
      this.#current = undefined;
      this.#endPlan();
    }
    this.#emit({ type: 'goodbye', reason: this.#goodbye.reason });
    return OK;
  }

  #endPlan(): void {
    if (this.#planEnded) return;
    this.#planEnded = true;
    this.#emit({ type: 'plan-end', result: this.result() });
  }

  #inject(fail: InjectedFailure, n: number, step: StepOutcome | undefined, on: 'hello' | 'whats_next' | 'reply'): Answer {
    if (step) step.injected++;
    this.#emit({ type: 'injected', step, on, http: fail.status, n, times: fail.times });
    const headers = fail.retryAfter === undefined ? undefined : { 'retry-after': String(Math.ceil(fail.retryAfter)) };
    const body = { error: `HTTP ${fail.status} injected by the fake optimizer's plan (${n} of ${fail.times})` };
    return headers ? { http: fail.status, body, headers } : { http: fail.status, body };
  }

  #invalid(http: number, message: string): Answer {
    this.#problem(undefined, message);
    return { http, body: { status: 'invalid', message } };
  }

  #problem(step: StepOutcome | undefined, message: string): void {
    if (step) {
      step.problems.push(message);
      step.ok = false;
    } else this.#problems.push(message);
    this.#emit({ type: 'problem', message });
  }

  #uid(): string {
    return `${++this.#seq}-${randomBytes(3).toString('hex')}`;
  }
}

/** Why a reply does not meet its expectation; undefined when it does. */
function unmet(expect: Expectation, step: StepOutcome): string | undefined {
  const wanted = [`status ${expect.status}`];
  if (expect.reason !== undefined) wanted.push(`a reason containing ${JSON.stringify(expect.reason)}`);
  if (expect.message !== undefined) wanted.push(`a message containing ${JSON.stringify(expect.message)}`);
  const met =
    step.status === expect.status &&
    (expect.reason === undefined || (step.reason ?? '').includes(expect.reason)) &&
    (expect.message === undefined || (step.message ?? '').includes(expect.message));
  if (met) return undefined;
  const got = [`status ${step.status ?? '(none)'}`, `reason ${JSON.stringify(step.reason ?? null)}`];
  if (expect.message !== undefined) got.push(`message ${JSON.stringify(step.message ?? null)}`);
  return `expected ${wanted.join(' and ')}; got ${got.join(', ')}`;
}
