/**
 * What the deliveries page is given: the webhooks, and the engine and
 * history once the servo has started.
 * @module
 */
import type { DeliveryHistory } from '../history/types.js';
import type { Health, PageWebhook } from './views.js';

export type { Health, PageWebhook } from './views.js';

/** What the page needs of the delivery engine. */
export interface PageEngine {
  /** Each endpoint's counters, state and health. */
  snapshot(): { readonly endpoints: Readonly<Record<string, Health>> };
  /** Re-enables an endpoint a 410 disabled (throws a coded error for an unknown name). */
  enable(name: string): void;
  /** A new attempt of a dead or delivered message, same id (throws a coded error when it cannot). */
  redeliver(id: string): unknown;
}

/** Options of {@link deliveriesPage}. */
export interface DeliveriesPageOptions {
  /** The connector instance's name (default `webhooks`): the page's path, e.g. `/webhooks`, and in its title when another. */
  readonly name?: string;
  /** The configured webhooks. */
  readonly webhooks: readonly PageWebhook[];
  /** The engine once started (undefined while the servo starts). */
  readonly engine: () => PageEngine | undefined;
  /** The history once the engine started. */
  readonly history: () => DeliveryHistory | undefined;
  /** Interval of the event stream's keepalive comments (default 15 s). */
  readonly keepaliveMs?: number;
}
