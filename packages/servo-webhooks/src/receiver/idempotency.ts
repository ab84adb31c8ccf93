/**
 * Dropping duplicate deliveries: delivery is at-least-once and a message keeps
 * its id (`webhook-id`) on every retry. Claim the id after verification, run
 * the handler, then `complete` it (duplicates are answered 2xx and not run
 * again for `ttlSeconds`) or `release` it when the handler failed (the
 * sender's retry runs it again). In memory, bounded.
 * @module
 */
import { DEFAULT_TOLERANCE_SECONDS } from './core.js';
import { ReceiverError } from './errors.js';

/** Options of {@link Idempotency}. */
export interface IdempotencyOptions {
  /** How long a handled id is remembered. Default 2x the tolerance (600 s); never less than `toleranceSeconds`. */
  ttlSeconds?: number;
  /** The verification tolerance in use (default 300): a replay within it must still be caught. */
  toleranceSeconds?: number;
  /** Most ids kept; past it the oldest are forgotten. Default 100,000. */
  maxEntries?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Outcome of {@link Idempotency.claim}. */
export type Claim = 'claimed' | 'duplicate' | 'in_progress';

interface Entry {
  done: boolean;
  expires: number;
}

/** An in-memory claim table of message ids. */
export class Idempotency {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: IdempotencyOptions = {}) {
    const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    const ttl = opts.ttlSeconds ?? 2 * tolerance;
    if (!(ttl >= tolerance))
      throw new ReceiverError('invalid_option', `ttlSeconds (${ttl}) must be at least the tolerance (${tolerance} s), or a replay inside it would run twice`);
    const max = opts.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw new ReceiverError('invalid_option', 'maxEntries must be a positive integer');
    this.#ttlMs = ttl * 1000;
    this.#max = max;
    this.#now = opts.now ?? Date.now;
  }

  /** Ids remembered now (claimed or completed, not expired). */
  get size(): number {
    this.#expire(this.#now());
    return this.#entries.size;
  }

  /** Claims `id` for this request: `claimed` (run the handler), `duplicate` (already handled: answer 2xx) or `in_progress` (answer 409; the sender retries). */
  claim(id: string): Claim {
    if (typeof id !== 'string' || id.length === 0) throw new ReceiverError('missing_headers', 'no message id to claim (webhook-id)');
    const now = this.#now();
    this.#expire(now);
    const entry = this.#entries.get(id);
    if (entry !== undefined) return entry.done ? 'duplicate' : 'in_progress';
    while (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(id, { done: false, expires: now + this.#ttlMs });
    return 'claimed';
  }

  /** The handler succeeded: later deliveries of `id` are duplicates until the TTL passes. */
  complete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#entries.set(id, { done: true, expires: this.#now() + this.#ttlMs });
  }

  /** The handler failed: forget the claim so that the sender's retry runs it. */
  release(id: string): void {
    this.#entries.delete(id);
  }

  /**
   * Claims `id`, runs `handler` once, completes on success and releases (and
   * rethrows) on failure. Resolves `{ duplicate: true }` for an id already
   * handled; rejects `in_progress` (409) while another request handles it.
   */
  async run<T>(id: string, handler: () => T | Promise<T>): Promise<{ duplicate: true } | { duplicate: false; value: T }> {
    const claim = this.claim(id);
    if (claim === 'duplicate') return { duplicate: true };
    if (claim === 'in_progress') throw new ReceiverError('in_progress', `message ${JSON.stringify(id)} is being handled by another request`);
    try {
      const value = await handler();
      this.complete(id);
      return { duplicate: false, value };
    } catch (error) {
      this.release(id);
      throw error;
    }
  }

  #expire(now: number): void {
    // Insertion order is expiry order (one TTL; complete() re-inserts).
    for (const [id, entry] of this.#entries) {
      if (entry.expires > now) break;
      this.#entries.delete(id);
    }
  }
}
