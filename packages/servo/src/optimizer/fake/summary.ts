/**
 * The fake optimizer's text output: one line per exchange as it happens, and
 * the summary when the plan ends. Text that came from the servo (reasons,
 * messages, the agent) is escaped before it is shown: it cannot move the
 * cursor, recolour the terminal or fake a line.
 * @module
 */
import type { FakeEvent, FakeResult, StepOutcome } from './session.js';

// C0/C1 controls, DEL, bidi controls and line separators: each can rewrite what a terminal shows.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHOWN_MAX = 200;

/** `text` as one safe line: control characters as `\uXXXX`, cut after 200 characters. */
export function escapeText(text: string): string {
  const safe = text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > SHOWN_MAX ? `${safe.slice(0, SHOWN_MAX)}...` : safe;
}

/** A servo-sent string quoted and escaped, or `-`. */
function quoted(text: string | undefined): string {
  return text === undefined || text === '' ? '-' : `"${escapeText(text)}"`;
}

function stepName(step: StepOutcome): string {
  return `step ${step.label}${step.name ? ` (${escapeText(step.name)})` : ''}`;
}

/** `web.replicas=5 web.cpu=1.5` from an ADJUST param. */
function settingsOf(param: Readonly<Record<string, unknown>>): string {
  const components = (param.state as { application?: { components?: Record<string, { settings?: Record<string, { value?: unknown }> }> } } | undefined)
    ?.application?.components;
  const parts: string[] = [];
  for (const [c, { settings = {} } = {}] of Object.entries(components ?? {}))
    for (const [s, v] of Object.entries(settings)) parts.push(`${c}.${s}=${String(v?.value)}`);
  return parts.join(' ');
}

function commandDetail(step: StepOutcome, param: Readonly<Record<string, unknown>>): string {
  if (step.command === 'ADJUST') return ` ${settingsOf(param)}`;
  if (step.command === 'SLEEP') return ` ${String(param.duration)}s`;
  if (step.command === 'STATUS') return ` ${escapeText(String(param.status))}${param.message ? ` ${quoted(String(param.message))}` : ''}`;
  if (step.command === 'MEASURE') {
    const control = param.control as Record<string, unknown> | undefined;
    const d = control?.duration;
    return d === undefined ? '' : ` duration ${String(d)}s`;
  }
  return '';
}

/** What the step's reply was, in words: `cancelled, reason "..."`. */
export function replyText(step: StepOutcome): string {
  const parts = [step.status === undefined ? 'no status' : escapeText(step.status)];
  if (step.reason !== undefined && step.reason !== 'success') parts.push(`reason ${quoted(step.reason)}`);
  if (step.message !== undefined && step.status !== 'ok' && step.message !== step.reason) parts.push(`message ${quoted(step.message)}`);
  return parts.join(', ');
}

/** One line for an event, or undefined for events not worth a line. */
export function formatEvent(e: FakeEvent): string | undefined {
  switch (e.type) {
    case 'hello':
      return `<- HELLO from ${quoted(e.agent)}${e.servoUid ? ` (servo_uid ${quoted(e.servoUid)})` : ''}`;
    case 'command':
      return `-> ${e.step.command}${commandDetail(e.step, e.param)} (${stepName(e.step)}, cmd_uid ${e.cmdUid})`;
    case 'progress':
      return `<- progress ${escapeText(String(e.progress))}%${e.message ? ` ${quoted(e.message)}` : ''} (${stepName(e.step)})${e.answer === 'ok' ? '' : ` -> ${e.answer}`}`;
    case 'reply': {
      const verdict = e.step.expect ? (e.step.ok ? ' - as expected' : ` - ${escapeText(e.step.problems.join('; '))}`) : '';
      return `<- ${replyEvent(e.step)} ${replyText(e.step)} (${stepName(e.step)})${verdict}`;
    }
    case 'injected':
      return `-> HTTP ${e.http} to ${e.on === 'hello' ? 'HELLO' : e.on === 'reply' ? 'the reply' : 'WHATS_NEXT'}${e.step ? ` (${stepName(e.step)})` : ''}, injected ${e.n} of ${e.times}`;
    case 'idle':
      return `plan done: answering SLEEP ${e.seconds}s until the servo says GOODBYE`;
    case 'goodbye':
      return `<- GOODBYE, reason ${quoted(e.reason)}`;
    case 'problem':
      return `problem: ${escapeText(e.message)}`;
    default:
      return undefined;
  }
}

function replyEvent(step: StepOutcome): string {
  return step.command === 'DESCRIBE' ? 'DESCRIPTION' : step.command === 'MEASURE' ? 'MEASUREMENT' : 'ADJUSTMENT';
}

function expectText(step: StepOutcome): string {
  const e = step.expect;
  if (!e) return '';
  return [e.status, e.reason !== undefined ? `reason~"${escapeText(e.reason)}"` : '', e.message !== undefined ? `message~"${escapeText(e.message)}"` : '']
    .filter(Boolean)
    .join(' ');
}

function verdict(step: StepOutcome): string {
  if (step.state === 'not run' || step.state === 'pending') return 'NOT RUN';
  if (step.state === 'sent') return 'NO REPLY';
  return step.ok ? 'ok' : `FAILED: ${escapeText(step.problems.join('; '))}`;
}

/**
 * The summary printed when the plan ends: a line per step (command, the
 * servo's status and reason, what was expected, the verdict), then problems
 * outside steps and the overall result.
 */
export function formatSummary(result: FakeResult, planFile: string): string {
  const rows = result.steps.map((s) => [
    s.label,
    s.command,
    s.command === 'SLEEP' || s.command === 'STATUS' ? '-' : s.status === undefined ? '-' : escapeText(s.status),
    s.command === 'SLEEP' || s.command === 'STATUS' ? '' : s.reason === undefined ? '' : escapeText(s.reason),
    expectText(s),
    verdict(s),
  ]);
  const header = ['STEP', 'COMMAND', 'STATUS', 'REASON', 'EXPECTED', 'RESULT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, i === 3 ? 60 : 200))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 3)}...` : c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const failed = result.steps.filter((s) => !s.ok && s.state === 'replied').length;
  const run = result.steps.filter((s) => s.state === 'replied').length;
  const out = [`fake optimizer: plan ${escapeText(planFile)}: ${run} of ${result.steps.length} steps run, ${failed} failed`, line(header), ...rows.map(line)];
  for (const p of result.problems) out.push(`problem: ${escapeText(p)}`);
  if (result.goodbye) out.push(`the servo said GOODBYE (reason ${quoted(result.goodbye.reason)})`);
  out.push(result.ok ? 'result: every step as planned' : 'result: FAILED (see above)');
  return `${out.join('\n')}\n`;
}
