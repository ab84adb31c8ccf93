/**
 * The deliveries page of the webhooks connector, served on `servo run`'s
 * HTTP endpoint: the webhooks with their health (Enable for one a 410
 * disabled), the recent deliveries with filters, each delivery's request and
 * answers (Redeliver), and a live feed of new attempts. Server-rendered HTML
 * (Hono routes and escaped templates, app.ts) that works without JavaScript;
 * a small plain script adds the live rows. The core has already checked who
 * asks and the CSRF token of a POST, and sets the Content-Security-Policy.
 * This module is light: the routes load on the first request.
 * @module
 */
import type { PageSpec } from 'servo-core';
import type { DeliveriesPageOptions } from './types.js';

export type { DeliveriesPageOptions, Health, PageEngine, PageWebhook } from './types.js';

/**
 * The deliveries page, for `Observability.page()`.
 * @example
 * o.page(deliveriesPage({ webhooks: config.webhooks, engine: () => engine, history: () => history }));
 */
export function deliveriesPage(options: DeliveriesPageOptions): PageSpec {
  const title = options.title ?? 'Webhook deliveries';
  let handler: Promise<PageSpec['fetch']> | undefined;
  return {
    path: options.path ?? '/webhooks',
    title,
    async fetch(request, ctx) {
      const fetch = await (handler ??= import('./app.js').then((m) => m.pageHandler(options, title)));
      return fetch(request, ctx);
    },
  };
}
