import { isCancelContentType } from './payload/content-type.js';
import type { SendOutcome } from './delivery/types.js';
import type { WebhookConfig } from './config.js';

/** What a before-webhook decided about the event. */
export type GateDecision =
  | { readonly action: 'proceed'; readonly status?: number }
  | { readonly action: 'cancel'; readonly reason: string }
  /** The webhook could not answer and `failure_policy` is `ignore`. */
  | { readonly action: 'proceed-after-failure'; readonly failure: string };

/**
 * Reads a before-webhook's outcome, the way admission webhooks are read:
 * - a 2xx answer with a CancelEventError (or EventCancelledError) content type
 *   cancels with the body's `reason`; a malformed or truncated body still
 *   cancels, with a reason that says so;
 * - any other 2xx answer lets the event proceed;
 * - no answer, a timeout, or a failure after retries applies the webhook's
 *   `failure_policy`: `ignore` proceeds, `fail` cancels naming the webhook
 *   and the failure.
 */
export function decide(webhook: WebhookConfig, outcome: SendOutcome): GateDecision {
  if (outcome.ok) {
    const { response } = outcome;
    if (!isCancelContentType(response.headers['content-type'])) return { action: 'proceed', status: response.status };
    return { action: 'cancel', reason: cancelReason(response.body, response.truncated) };
  }
  const failure = describeFailure(outcome);
  if (webhook.failurePolicy === 'fail') {
    return { action: 'cancel', reason: `webhook "${webhook.name}" could not be consulted (failure_policy: fail): ${failure}` };
  }
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

function describeFailure(outcome: Extract<SendOutcome, { ok: false }>): string {
  const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  const status = outcome.response ? `HTTP ${outcome.response.status}` : undefined;
  return `${status ?? outcome.error.message} after ${tries}`;
}

function safeUnescape(s: string): string | undefined {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return undefined;
  }
}
