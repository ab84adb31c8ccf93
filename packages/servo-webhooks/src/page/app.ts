/**
 * The deliveries page's routes (Hono, on the request and context the core
 * hands over) and its notices; loaded on the page's first request.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { PageContext } from 'servo-core';
import type { DeliveryHistory, DeliverySummary, HistoryOutcome, HistoryQuery } from '../history/types.js';
import { assetResponse } from './assets.js';
import { eventStream, KEEPALIVE_MS } from './events.js';
import type { DeliveriesPageOptions } from './types.js';
import { deliveriesTable, deliveryDetail, eventChoices, type Html, layout, type Notice, OUTCOMES, unknownDelivery, webhooksTable } from './views.js';

/** A started engine without a history: the configuration turned it off. */
const HISTORY_OFF = 'The delivery history is off (history: false in the webhooks section).';

/** Most deliveries the list shows. */
const LIST_LIMIT = 100;

/** How long Redeliver waits for its attempt's answer before the page shows what it knows. */
const REDELIVER_WAIT_MS = 3000;

/** The first attempt the history records for `id` from now, or undefined after `ms`. */
function nextAttempt(history: DeliveryHistory, id: string, ms: number): { settled: Promise<DeliverySummary | undefined>; cancel(): void } {
  let done: (s: DeliverySummary | undefined) => void = () => {};
  const settled = new Promise<DeliverySummary | undefined>((resolve) => {
    done = resolve;
  });
  const timer = setTimeout(() => finish(undefined), ms);
  const off = history.subscribe((s) => {
    if (s.id === id) finish(s);
  });
  function finish(s: DeliverySummary | undefined): void {
    clearTimeout(timer);
    off();
    done(s);
  }
  return { settled, cancel: () => finish(undefined) };
}

/** What an attempt's answer did, for a notice: `delivered (204) in 12 ms`. */
function attemptResult(s: DeliverySummary): string {
  const answer = s.status !== undefined ? `${s.status}` : 'no answer';
  switch (s.outcome) {
    case 'delivered':
      return `delivered (${answer}) in ${Math.round(s.latencyMs)} ms`;
    case 'retrying':
      return `the attempt failed (${answer}); it is retried`;
    case 'gone':
      return 'answered 410 Gone: the webhook is disabled and the delivery held';
    default:
      return `the attempt failed (${answer}); it is a dead letter again`;
  }
}

/** Results of actions waiting for the page their redirect leads to (read once; bounded). */
class Notices {
  readonly #pending = new Map<string, Notice & { at: number }>();
  /** Keeps `notice`; returns the key the redirect carries. */
  put(notice: Notice): string {
    const now = Date.now();
    for (const [k, n] of this.#pending) if (this.#pending.size >= 100 || now - n.at > 5 * 60_000) this.#pending.delete(k);
    const key = randomUUID();
    this.#pending.set(key, { ...notice, at: now });
    return key;
  }
  /** The notice of `key`, once. */
  take(key: string | undefined): Notice | undefined {
    if (!key) return undefined;
    const n = this.#pending.get(key);
    this.#pending.delete(key);
    return n ? { kind: n.kind, text: n.text } : undefined;
  }
}

/** A failed action's plain message: a coded error says what was wrong. */
function failure(what: string, err: unknown): Notice {
  const e = err as { message?: unknown };
  return { kind: 'error', text: `${what}: ${typeof e?.message === 'string' ? e.message : String(err)}` };
}

/** The text of a template (the page's templates are synchronous: nothing in them is a promise). */
function text(h: Html): string {
  if (h instanceof Promise) throw new TypeError('an asynchronous template');
  return h.toString();
}

type PageEnv = { Bindings: { page: PageContext } };

/** The page's `fetch`, routing each request by its mount path. */
export function pageHandler(options: DeliveriesPageOptions, title: string): (request: Request, ctx: PageContext) => Response | Promise<Response> {
  const notices = new Notices();
  const names = options.webhooks.map((w) => w.name);
  const apps = new Map<string, Hono<PageEnv>>();

  const page = (base: string, main: Html, notice?: Notice, status = 200): Response =>
    new Response(text(layout(base, title, main, notice)), {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    });
  const back = (to: string, notice: Notice): Response =>
    new Response(null, {
      status: 303,
      headers: { location: `${to}${to.includes('?') ? '&' : '?'}result=${notices.put(notice)}`, 'cache-control': 'no-store' },
    });

  const build = (base: string): Hono<PageEnv> => {
    const app = new Hono<PageEnv>({ strict: false }).basePath(base);
    app.get('/', (c) => {
      const q = c.req.query();
      const query: HistoryQuery = {
        limit: LIST_LIMIT,
        ...(q.webhook ? { webhook: q.webhook } : {}),
        ...(q.event ? { event: q.event } : {}),
        ...(OUTCOMES.includes(q.outcome as HistoryOutcome) ? { outcome: q.outcome as HistoryOutcome } : {}),
      };
      const history = options.history();
      const engine = options.engine();
      const deliveries = history?.list(query) ?? (engine ? HISTORY_OFF : 'The servo is starting: no history yet.');
      const seen =
        history && (query.webhook || query.event || query.outcome) ? history.list({ limit: LIST_LIMIT }) : Array.isArray(deliveries) ? deliveries : [];
      const health = engine?.snapshot().endpoints;
      const csrf = c.env.page.csrfToken;
      const main = html`${webhooksTable(base, csrf, options.webhooks, health)}
${deliveriesTable(base, deliveries, { webhooks: names, events: eventChoices(options.webhooks, seen), query })}`;
      return page(base, main, notices.take(q.result));
    });
    app.get('/assets/:name', (c) => assetResponse(c.req.param('name')) ?? c.notFound());
    app.get('/events', (c) => eventStream(options.history(), [c.env.page.signal, c.req.raw.signal], options.keepaliveMs ?? KEEPALIVE_MS));
    app.get('/deliveries/:id', (c) => {
      const id = c.req.param('id');
      const record = options.history()?.get(id);
      const notice = notices.take(c.req.query('result'));
      if (!record) return page(base, unknownDelivery(base, id), notice, 404);
      return page(base, deliveryDetail(base, c.env.page.csrfToken, record), notice);
    });
    app.post('/deliveries/:id/redeliver', async (c) => {
      const id = c.req.param('id');
      const to = `${base}/deliveries/${encodeURIComponent(id)}`;
      const engine = options.engine();
      if (!engine) return back(to, { kind: 'error', text: 'Redeliver failed: the servo is starting; try again in a moment' });
      const history = options.history();
      const webhook = history?.get(id)?.webhook;
      // Listening before the attempt starts: its answer shows on the page the redirect leads to.
      const next = history ? nextAttempt(history, id, REDELIVER_WAIT_MS) : undefined;
      try {
        await engine.redeliver(id);
      } catch (err) {
        next?.cancel();
        return back(to, failure('Redeliver failed', err));
      }
      const where = webhook !== undefined ? ` to webhook "${webhook}"` : '';
      const answered = await next?.settled;
      if (answered) return back(to, { kind: answered.outcome === 'delivered' ? 'ok' : 'error', text: `Redelivered ${id}${where}: ${attemptResult(answered)}` });
      return back(to, { kind: 'ok', text: `Redelivering ${id}${where}: a new attempt with the same id, not answered yet (it shows here when it is)` });
    });
    app.post('/webhooks/:name/enable', (c) => {
      const name = c.req.param('name');
      const to = `${base}/`;
      const engine = options.engine();
      if (!engine) return back(to, { kind: 'error', text: 'Enable failed: the servo is starting; try again in a moment' });
      const was = engine.snapshot().endpoints[name]?.disabled;
      try {
        engine.enable(name);
      } catch (err) {
        return back(to, failure('Enable failed', err));
      }
      return back(
        to,
        was === false
          ? { kind: 'ok', text: `Webhook "${name}" was not disabled: nothing changed` }
          : { kind: 'ok', text: `Webhook "${name}" enabled: its held deliveries are sent again` },
      );
    });
    app.notFound(() => page(base, html`<section><h2>Not found</h2><p><a href="${base}/">All deliveries</a></p></section>`, undefined, 404));
    return app;
  };

  return (request, ctx) => {
    let app = apps.get(ctx.base);
    if (!app) apps.set(ctx.base, (app = build(ctx.base)));
    return app.fetch(request, { page: ctx });
  };
}
