/**
 * Deliveries a command could not commit to its store (the store would not
 * open, or refused the write), kept so the command ends with one error that
 * names the store's error and the deliveries, instead of exiting 0.
 * @module
 */
import { WebhookStoreError } from './errors.js';

/** How many deliveries the error names; the rest are counted. */
const NAMED = 20;

/** The deliveries of one connector instance that were not committed. */
export class UncommittedDeliveries {
  readonly #named: string[] = [];
  #count = 0;
  #cause: Error | undefined;

  /** Records one delivery (`webhook event id`, the id when one was made) that `err` kept out of the store. */
  record(webhook: string, event: string, id: string | undefined, err: unknown): void {
    this.#count++;
    this.#cause ??= err instanceof Error ? err : new Error(String(err));
    if (this.#named.length < NAMED) this.#named.push([webhook, event, id].filter(Boolean).join(' '));
  }

  /** The error to end the command with, or `undefined` when every delivery was committed. */
  error(store: string): WebhookStoreError | undefined {
    if (this.#count === 0) return undefined;
    const more = this.#count > this.#named.length ? ` (and ${this.#count - this.#named.length} more)` : '';
    const n = this.#count === 1 ? '1 webhook delivery was' : `${this.#count} webhook deliveries were`;
    return new WebhookStoreError(`${n} not stored in ${store}, so not sent: ${this.#cause!.message}; not sent: ${this.#named.join(', ')}${more}`, {
      cause: this.#cause,
    });
  }
}
