/**
 * The deliveries page's HTML, written with Hono's `html` template: every
 * interpolated string is escaped (answers, headers, errors and ids come from
 * receivers and scripts), and only the templates' own markup is raw.
 * @module
 */
import { html } from 'hono/html';
import type { EndpointSnapshot } from '../delivery/stats.js';
import { cancelReason } from '../gate/index.js';
import type { AttemptRecord, DeliveryRecord, DeliverySummary, HistoryOutcome, HistoryQuery } from '../history/types.js';
import { isCancelContentType } from '../payload/content-type.js';
import { displayUrl } from '../url.js';
import { bodyText, formatLatency, formatSize, formatTime } from './format.js';

/** A piece of escaped HTML. */
export type Html = ReturnType<typeof html>;

/** What the page shows of a webhook's configuration. */
export interface PageWebhook {
  readonly name: string;
  readonly url: string;
  readonly events: readonly { readonly preposition: 'before' | 'after'; readonly event: string }[];
  readonly channels: readonly string[];
}

/** An endpoint's snapshot: counters, state and health (last success, last failure and why, disabled since). */
export type Health = EndpointSnapshot;

/** A result of an action, shown once after its redirect. */
export interface Notice {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** Outcomes the filter offers, in the order a person reads them. */
export const OUTCOMES: readonly HistoryOutcome[] = ['delivered', 'retrying', 'dead', 'gone', 'cancelled', 'failed'];

/** The page around `main`. */
export function layout(base: string, title: string, main: Html, notice?: Notice): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/assets/deliveries.css">
<script src="${base}/assets/deliveries.js" defer></script>
</head>
<body data-base="${base}">
<header><h1><a href="${base}/">${title}</a></h1><span id="live" class="status" role="status">reload for new deliveries</span></header>
${notice ? html`<p class="notice ${notice.kind}" role="alert">${notice.text}</p>` : ''}
<main>
${main}
</main>
</body>
</html>`;
}

/** What a webhook listens to: `after:measure`, `channel:metrics.*`. */
function subscriptions(w: PageWebhook): string[] {
  return [...w.events.map((e) => `${e.preposition}:${e.event}`), ...w.channels.map((c) => `channel:${c}`)];
}

function when(ms: number | undefined): Html {
  return ms === undefined ? html`<span class="none">—</span>` : html`<time datetime="${new Date(ms).toISOString()}">${formatTime(ms)}</time>`;
}

function healthCell(base: string, csrf: string, w: PageWebhook, h: Health | undefined): Html {
  if (!h) return html`<span class="none">not started</span>`;
  if (h.disabled) {
    return html`<span class="badge disabled">disabled</span> <span class="since">since ${when(h.disabledSince)}</span>
<form method="post" action="${base}/webhooks/${encodeURIComponent(w.name)}/enable" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Enable</button></form>`;
  }
  return html`<span class="badge circuit-${h.circuit}">circuit ${h.circuit}</span>`;
}

/** The webhooks table: configuration and health. */
export function webhooksTable(base: string, csrf: string, webhooks: readonly PageWebhook[], health: Record<string, Health> | undefined): Html {
  const rows = webhooks.map((w) => {
    const h = health?.[w.name];
    return html`<tr data-webhook="${w.name}">
<td class="name">${w.name}</td>
<td>${subscriptions(w).join(', ')}</td>
<td class="url">${displayUrl(w.url)}</td>
<td class="health">${healthCell(base, csrf, w, h)}</td>
<td class="num">${h ? h.queueDepth : '—'}</td>
<td class="num">${h ? h.deadStored : '—'}</td>
<td>${when(h?.lastSuccessAt)}</td>
<td>${h?.lastFailureAt !== undefined ? html`${when(h.lastFailureAt)}${h.lastFailure ? html`<div class="why">${/^\d+$/.test(h.lastFailure) ? `HTTP ${h.lastFailure}` : h.lastFailure}</div>` : ''}` : when(undefined)}</td>
</tr>`;
  });
  return html`<section>
<h2>Webhooks</h2>
<table class="webhooks">
<thead><tr><th>Name</th><th>Events / channels</th><th>URL</th><th>Health</th><th class="num">Pending</th><th class="num">Dead</th><th>Last success</th><th>Last failure</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</section>`;
}

function select(name: string, label: string, values: readonly string[], chosen: string | undefined): Html {
  const options = values.map((v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${v}</option>`);
  return html`<label>${label} <select name="${name}"><option value="">any</option>${options}</select></label>`;
}

/** An outcome as a coloured word, with the status when there was one. */
function outcomeCell(d: Pick<DeliverySummary, 'outcome' | 'status'>): Html {
  return html`<span class="outcome ${d.outcome}">${d.outcome}</span>${d.status !== undefined ? html` <span class="status-code">${d.status}</span>` : ''}`;
}

/** One row of the recent deliveries (assets/deliveries.js builds the same row for live updates). */
function deliveryRow(base: string, d: DeliverySummary): Html {
  return html`<tr data-id="${d.id}" data-outcome="${d.outcome}">
<td>${when(d.lastAttemptAt)}</td>
<td>${d.event}</td>
<td>${d.webhook}</td>
<td class="id"><a href="${base}/deliveries/${encodeURIComponent(d.id)}">${d.id}</a></td>
<td class="num">${d.attempts}</td>
<td>${outcomeCell(d)}</td>
<td class="num">${formatLatency(d.latencyMs)}</td>
</tr>`;
}

/** The filter form and the recent deliveries. */
export function deliveriesTable(
  base: string,
  /** The deliveries, or why there are none to show. */
  deliveries: readonly DeliverySummary[] | string,
  filters: { webhooks: readonly string[]; events: readonly string[]; query: HistoryQuery },
): Html {
  const q = filters.query;
  const body =
    typeof deliveries === 'string'
      ? html`<tr class="empty"><td colspan="7">${deliveries}</td></tr>`
      : deliveries.length === 0
        ? html`<tr class="empty"><td colspan="7">No deliveries${q.webhook || q.event || q.outcome ? ' match these filters' : ' yet'}.</td></tr>`
        : deliveries.map((d) => deliveryRow(base, d));
  return html`<section>
<h2>Recent deliveries</h2>
<form method="get" action="${base}/" id="filters" class="filters">
${select('webhook', 'Webhook', filters.webhooks, q.webhook)}
${select('event', 'Event', filters.events, q.event)}
${select('outcome', 'Outcome', OUTCOMES, q.outcome)}
<button type="submit">Filter</button>${q.webhook || q.event || q.outcome ? html` <a href="${base}/">clear</a>` : ''}
</form>
<table class="deliveries">
<thead><tr><th>Time</th><th>Event</th><th>Webhook</th><th>Id</th><th class="num">Attempts</th><th>Outcome</th><th class="num">Latency</th></tr></thead>
<tbody id="deliveries">${body}</tbody>
</table>
</section>`;
}

/** Events a filter offers: those configured, and those the history holds. */
export function eventChoices(webhooks: readonly PageWebhook[], seen: readonly DeliverySummary[]): string[] {
  const names = new Set<string>();
  for (const w of webhooks) for (const e of w.events) names.add(`${e.preposition}:${e.event}`);
  for (const d of seen) names.add(d.event);
  return [...names].sort();
}

function headersTable(headers: Readonly<Record<string, string>> | undefined, what: string): Html {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return html`<p class="none">No ${what}.</p>`;
  return html`<table class="headers"><tbody>${entries.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/**
 * One attempt; `n` is its place among the delivery's attempts (a redelivery's
 * attempts count again from 1 in `a.number`: it is a new delivery of the same message).
 * The newest shows its request headers open.
 */
function attemptSection(a: AttemptRecord, n: number, gate: boolean, newest: boolean): Html {
  const answer =
    a.status !== undefined
      ? html`<h4>Answer: <span class="status-code">${a.status}</span> in ${formatLatency(a.durationMs)}</h4>
${headersTable(a.responseHeaders, 'response headers')}
${
  a.responseExcerpt !== undefined && a.responseExcerpt !== ''
    ? html`<pre class="body response">${a.responseTruncated ? a.responseExcerpt : bodyText(a.responseExcerpt, a.responseHeaders?.['content-type'])}</pre>${
        a.responseTruncated ? html`<p class="note">The answer was longer: only its start is kept.</p>` : ''
      }`
    : html`<p class="none">Empty body.</p>`
}`
      : html`<h4>No answer after ${formatLatency(a.durationMs)}</h4>`;
  // A before-webhook's 2xx answer with the cancel content type stopped its event: say so, with the reason it gave.
  const cancelled =
    gate && a.status !== undefined && a.status < 300 && isCancelContentType(a.responseHeaders?.['content-type'])
      ? cancelReason(new TextEncoder().encode(a.responseExcerpt ?? ''), a.responseTruncated === true)
      : undefined;
  return html`<section class="attempt" data-number="${n}">
<h3>Attempt ${n} <span class="outcome ${a.outcome}">${a.outcome}</span> ${when(a.startedAt)}</h3>
${cancelled !== undefined ? html`<p class="cancelled">This answer cancelled the event: <q>${cancelled}</q></p>` : ''}${a.error ? html`<p class="error">${a.error}</p>` : ''}${a.reason ? html`<p class="reason">${a.reason}</p>` : ''}
<details${newest ? html` open` : ''}><summary>Request headers</summary>${headersTable(a.requestHeaders, 'request headers')}</details>
${answer}
</section>`;
}

/** Why Redeliver is not offered, or the button. */
function redeliverControl(base: string, csrf: string, d: DeliveryRecord): Html {
  if (d.kind === 'gate') return html`<p class="note">A before-webhook's delivery is sent while its event waits: it is not redelivered.</p>`;
  if (d.outcome !== 'dead' && d.outcome !== 'delivered') return html`<p class="note">Redeliver is offered once this delivery is delivered or dead.</p>`;
  if (d.body === undefined) return html`<p class="note left">The body has left the history: this delivery cannot be redelivered from here.</p>`;
  return html`<form method="post" action="${base}/deliveries/${encodeURIComponent(d.id)}/redeliver" class="inline">
<input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Redeliver</button> <span class="note">a new attempt with the same id</span></form>`;
}

/** One delivery: its request and each attempt's answer, newest first. */
export function deliveryDetail(base: string, csrf: string, d: DeliveryRecord): Html {
  const last = d.attemptRecords.length;
  const attempts = d.attemptRecords.map((a, i) => attemptSection(a, i + 1, d.kind === 'gate', i + 1 === last)).reverse();
  return html`<section class="delivery" data-id="${d.id}">
<h2>Delivery <span class="id">${d.id}</span></h2>
<dl class="facts">
<dt>Webhook</dt><dd>${d.webhook}</dd>
<dt>Event</dt><dd>${d.event}</dd>
<dt>Outcome</dt><dd>${outcomeCell(d)}</dd>
<dt>Attempts</dt><dd>${d.attempts}</dd>
<dt>Created</dt><dd>${when(d.createdAt)}</dd>
<dt>Body</dt><dd>${d.contentType}, ${formatSize(d.bodySize)}</dd>
</dl>
${redeliverControl(base, csrf, d)}
<h3>Request body</h3>
${d.body === undefined ? html`<p class="none">The body has left the history.</p>` : html`<pre class="body request">${bodyText(d.body, d.contentType)}</pre>`}
${attempts}
</section>`;
}

/** The page of an id the history does not hold. */
export function unknownDelivery(base: string, id: string): Html {
  return html`<section><h2>Delivery <span class="id">${id}</span></h2><p>This delivery is not in the history (it may have left it).</p><p><a href="${base}/">All deliveries</a></p></section>`;
}
