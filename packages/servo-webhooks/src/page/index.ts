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
 * The page's path for an instance name: one path segment, as the endpoint
 * takes them (an instance name may hold `/` and start with `_`, `-` or `.`).
 * @example pagePath('hooks/prod') // '/hooks-prod'
 */
export function pagePath(name: string): string {
  const segment = name.replace(/[^A-Za-z0-9._~-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `/${segment || 'webhooks'}`;
}

/**
 * The deliveries page, for `Observability.page()`.
 * @example
 * o.page(deliveriesPage({ name: 'webhooks', webhooks: config.webhooks, engine: () => engine, history: () => history }));
 */
export function deliveriesPage(options: DeliveriesPageOptions): PageSpec {
  const name = options.name ?? 'webhooks';
  const title = name === 'webhooks' ? 'Webhook deliveries' : `Webhook deliveries: ${name}`;
  let handler: Promise<PageSpec['fetch']> | undefined;
  return {
    path: pagePath(name),
    title,
    async fetch(request, ctx) {
      const fetch = await (handler ??= import('./app.js').then((m) => m.pageHandler(options, title)));
      return fetch(request, ctx);
    },
  };
}
