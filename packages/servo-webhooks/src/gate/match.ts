/**
 * A webhook's `match` condition at run time: the variables are the request
 * body's `params` and `results` (what the receiver will see), the event name
 * and, for channel webhooks, the message. Each decision is logged at debug.
 * A failing expression is the gate's failure (its `failure_policy` decides);
 * an after-event or channel delivery is skipped with a warning. Called only
 * for webhooks that have a `match`.
 * @module
 */
import type { Logger, Message } from 'servo-core';
import type { WebhookConfig } from '../config/index.js';
import { MatchError, type MatchVariables } from '../config/match.js';
import type { GateDecision } from './index.js';

/** What a before-webhook with a `match` does: send it, or the decision without sending. */
export type GateMatch = { readonly send: true } | { readonly send: false; readonly decision: GateDecision };

const SEND: GateMatch = { send: true };
const SKIPPED: GateMatch = { send: false, decision: { action: 'proceed' } };

function bodyVariables(event: string, body: Uint8Array): MatchVariables {
  const parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as { params?: unknown; results?: unknown };
  return { params: parsed.params ?? null, results: parsed.results ?? null, event, message: null };
}

function evaluate(w: WebhookConfig, vars: MatchVariables, log: Logger): boolean | MatchError {
  try {
    const matched = w.match!.test(vars);
    if (log.isLevelEnabled('debug')) {
      log.debug(
        { webhook: w.name, event: vars.event, match: w.match!.source, matched },
        `webhook "${w.name}" ${matched ? 'matched' : 'skipped'} by its match condition`,
      );
    }
    return matched;
  } catch (err) {
    return err instanceof MatchError ? err : new MatchError(String((err as Error)?.message ?? err));
  }
}

/** A gate's match: send, skip (the event proceeds), or the failure decided by `failure_policy`. */
export function gateMatch(w: WebhookConfig, event: string, body: Uint8Array, log: Logger): GateMatch {
  const r = evaluate(w, bodyVariables(event, body), log);
  if (r === true) return SEND;
  if (r === false) return SKIPPED;
  const failure = `webhook "${w.name}": its match expression failed: ${r.message}`;
  return {
    send: false,
    decision: w.failurePolicy === 'fail' ? { action: 'cancel', reason: `${failure} (failure_policy: fail)` } : { action: 'proceed-after-failure', failure },
  };
}

/** Whether an after-event delivery is queued; a failing expression skips it with a warning. */
export function afterMatch(w: WebhookConfig, event: string, body: Uint8Array, log: Logger): boolean {
  return settle(w, event, evaluate(w, bodyVariables(event, body), log), log);
}

/** Whether a channel message is posted; a failing expression skips it with a warning. */
export function messageMatch(w: WebhookConfig, channel: string, message: Message, log: Logger): boolean {
  const event = `channel:${channel}`;
  let content: unknown = null;
  if (/^application\/(?:[\w.+-]+\+)?json\b/i.test(message.contentType)) {
    try {
      content = JSON.parse(Buffer.from(message.content).toString('utf8'));
    } catch {
      content = null;
    }
  }
  const vars: MatchVariables = { params: null, results: null, event, message: { channel, content_type: message.contentType, content } };
  return settle(w, event, evaluate(w, vars, log), log);
}

function settle(w: WebhookConfig, event: string, r: boolean | MatchError, log: Logger): boolean {
  if (typeof r === 'boolean') return r;
  log.warn(
    { webhook: w.name, event, match: w.match!.source, err: r.message },
    `webhook "${w.name}": its match expression failed (${r.message}); delivery skipped`,
  );
  return false;
}
