/**
 * What a starting servo (`servo run`) says about its webhooks: one line per
 * webhook (name, events or channels, URL with credentials masked, what
 * happens on failure) and one about the store and the backlog it resumes.
 * Readable in `--log-format pretty` through servo-core's describeLogLine; the
 * JSON lines carry the same facts as fields.
 * @module
 */
import { describeLogLine, model, type Logger } from 'servo-core';
import type { WebhookConfig, WebhooksConfig } from './config/index.js';
import { displayUrl } from './url.js';

const SERVED = 'webhook served';
const STORE = 'webhook store';
const LEFT = 'webhook deliveries left pending';

/** `before:adjust, channel:metrics.*` */
function subscriptions(w: WebhookConfig): string[] {
  return [...w.events.map((e) => `${e.preposition}:${e.event}`), ...w.channels.map((c) => `channel:${c}`)];
}

/** The facts of one webhook's line, as JSON fields. */
export function servedFields(w: WebhookConfig): Record<string, unknown> {
  const gate = w.events.some((e) => e.preposition === 'before');
  return {
    webhook: w.name,
    subscriptions: subscriptions(w),
    url: displayUrl(w.url),
    ...(gate ? { failure_policy: w.failurePolicy, deadline: model.formatDuration(w.deadlineMs) } : {}),
    max_tries: w.retry === false ? 1 : w.retry.maxTries,
    ...(w.retry === false ? {} : { max_time: model.formatDuration(w.retry.maxTimeMs) }),
  };
}

/** `webhook adjustment_window: before:adjust -> https://***@gate.example.com/ (gate: failure_policy fail, deadline 30s; up to 3 tries within 5m)` */
export function servedSentence(f: Readonly<Record<string, unknown>>): string {
  const tries = f.max_tries === 1 ? 'one try, no retries' : `up to ${f.max_tries} tries within ${f.max_time}`;
  const gate = f.failure_policy !== undefined ? `gate: failure_policy ${f.failure_policy}, deadline ${f.deadline}; ` : '';
  return `webhook ${f.webhook}: ${(f.subscriptions as string[]).join(', ') || '(no events or channels)'} -> ${f.url} (${gate}${tries})`;
}

/** `webhook store sqlite:./webhooks.db: 2 deliveries pending, resumed` */
export function storeSentence(f: Readonly<Record<string, unknown>>): string {
  if (f.store === 'memory') return 'webhook store memory: deliveries not delivered when the servo stops are lost (store: sqlite:PATH keeps them)';
  const n = Number(f.pending);
  return `webhook store ${f.store}: ${n === 0 ? 'no deliveries pending' : `${n} deliver${n === 1 ? 'y' : 'ies'} pending, resumed`}`;
}

/** `2 webhook deliveries pending in webhooks.db: ...` */
export function leftSentence(f: Readonly<Record<string, unknown>>): string {
  const n = Number(f.pending);
  return `${n} webhook deliver${n === 1 ? 'y' : 'ies'} pending in ${f.store}: the next servo run delivers ${n === 1 ? 'it' : 'them'}, or servo webhooks redeliver --pending sends ${n === 1 ? 'it' : 'them'} now`;
}

/**
 * At the end of a process whose sqlite store keeps deliveries it could not
 * deliver in time: says so at warn, the level one-shot commands log at.
 */
export function leftPending(log: Logger, config: WebhooksConfig, pending: number): void {
  const { store } = config.settings;
  if (store.kind !== 'sqlite' || pending === 0) return;
  log.warn({ pending, store: store.path, file: store.file }, LEFT);
}

describeLogLine(LEFT, leftSentence);
describeLogLine(SERVED, servedSentence);
describeLogLine(STORE, storeSentence);

/** Logs the webhooks of one connector instance and its store, at info. `pending`: deliveries the store holds. */
export function announce(log: Logger, config: WebhooksConfig, pending: number): void {
  if (!log.isLevelEnabled('info')) return;
  for (const w of config.webhooks) log.info(servedFields(w), SERVED);
  const { store } = config.settings;
  log.info(store.kind === 'memory' ? { store: 'memory' } : { store: `sqlite:${store.path}`, file: store.file, pending }, STORE);
}
