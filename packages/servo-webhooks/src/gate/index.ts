import { CANCEL_CONTENT_TYPES, isCancelContentType } from '../payload/content-type.js';
import type { SendOutcome } from '../delivery/types.js';
import type { WebhookConfig } from '../config/index.js';

/** What a before-webhook decided about the event. */
export type GateDecision =
  /** `warning`: the 2xx answer looks like a refusal sent without the cancel content type. */
  | { readonly action: 'proceed'; readonly status?: number; readonly warning?: string }
  | { readonly action: 'cancel'; readonly reason: string }
  /** The webhook could not answer and `failure_policy` is `ignore`. */
  | { readonly action: 'proceed-after-failure'; readonly failure: string };

/**
 * Reads a before-webhook's outcome, the way admission webhooks are read:
 * - a 2xx answer with a CancelEventError (or EventCancelledError) content type
 *   cancels with the body's `reason`; a malformed or truncated body still
 *   cancels, with a reason that says so;
 * - any other 2xx answer lets the event proceed;
 * - no answer, a timeout, a non-2xx answer or a failure after retries applies
 *   the webhook's `failure_policy`: `ignore` proceeds, `fail` (the default)
 *   cancels. Either way the failure names the webhook and, when it answered,
 *   the status and the answer's `reason` field or a short excerpt of its body.
 */
export function decide(webhook: WebhookConfig, outcome: SendOutcome): GateDecision {
  if (outcome.ok) {
    const { response } = outcome;
    if (isCancelContentType(response.headers['content-type'])) return { action: 'cancel', reason: cancelReason(response.body, response.truncated) };
    const warning = refusalWarning(response.headers['content-type'], response.body);
    return warning ? { action: 'proceed', status: response.status, warning } : { action: 'proceed', status: response.status };
  }
  const failure = describeFailure(webhook, outcome);
  if (webhook.failurePolicy === 'fail') return { action: 'cancel', reason: `${failure} (failure_policy: fail)` };
  return { action: 'proceed-after-failure', failure };
}

/** The `reason` of a CancelEventError body, or a reason that says why there is none. */
export function cancelReason(body: Uint8Array, truncated: boolean): string {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (truncated) {
    const m = /"reason"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
    const partial = m ? safeUnescape(m[1]!) : undefined;
    return partial !== undefined
      ? `${partial} (the cancel response body was truncated at ${body.byteLength} bytes)`
      : `event cancelled by webhook; its response body was truncated at ${body.byteLength} bytes before a reason could be read`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `event cancelled by webhook; its cancel response body is not valid JSON (${text.length ? `${JSON.stringify(text.slice(0, 120))}` : 'empty body'})`;
  }
  const reason = (parsed as { reason?: unknown } | null)?.reason;
  if (typeof reason === 'string' && reason.length > 0) return reason;
  return 'event cancelled by webhook; its cancel response has no "reason" string';
}

// `webhook "window" answered 403: change freeze`, or why it could not be consulted.
function describeFailure(webhook: WebhookConfig, outcome: Extract<SendOutcome, { ok: false }>): string {
  const tries = outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : '';
  const r = outcome.response;
  if (!r) return `webhook "${webhook.name}" could not be consulted: ${outcome.error.message}${tries}`;
  const said = answerText(r.body);
  return `webhook "${webhook.name}" answered ${r.status}${said ? `: ${said}` : ''}${tries}`;
}

const EXCERPT_CHARS = 200;

/** The `reason` (or `message`, `error`) string of a JSON answer, else a short excerpt of the body; one line, controls escaped. */
function answerText(body: Uint8Array): string {
  if (body.byteLength === 0) return '';
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let said: string | undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown> | null;
    for (const key of ['reason', 'message', 'error']) {
      const v = parsed?.[key];
      if (typeof v === 'string' && v.trim()) {
        said = v;
        break;
      }
    }
  } catch {
    // not JSON: an excerpt
  }
  said ??= text;
  said = said.replace(/\s+/g, ' ').trim();
  if (said.length > EXCERPT_CHARS) said = `${said.slice(0, EXCERPT_CHARS)}...`;
  return oneLine(said);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const REFUSAL_KEYS = ['deny', 'denied', 'reason'];

/**
 * A warning when a 2xx JSON answer looks like a refusal (`allowed: false`,
 * `allow: false`, `deny`, `denied`, a `reason`) but lacks the cancel content
 * type, so the event proceeds; undefined otherwise.
 */
function refusalWarning(contentType: string | undefined, body: Uint8Array): string | undefined {
  if (body.byteLength === 0 || body.byteLength > 65_536 || body[0] !== 0x7b /* { */) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const refusing = parsed.allowed === false || parsed.allow === false || REFUSAL_KEYS.some((k) => k in parsed && parsed[k] !== false && parsed[k] !== null);
  if (!refusing) return undefined;
  return `the answer looks like a refusal but its Content-Type is ${contentType ? `"${oneLine(contentType)}"` : 'missing'}, so the event proceeds; to cancel, answer with Content-Type: ${CANCEL_CONTENT_TYPES[0]} and {"reason": "..."}`;
}

function safeUnescape(s: string): string | undefined {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return undefined;
  }
}
