/**
 * The backlog of an endpoint whose deliveries live in a persistent store.
 * @module
 */
import type { Delivery, PersistentStore, StoreCounts } from '../types.js';
import type { Backlog, BacklogOptions } from './backlog.js';
import { EndpointQueue } from './queue.js';

/**
 * Most deliveries per endpoint held in memory: enough to keep any concurrency
 * busy between two page-ins, small enough that 100,000 pending deliveries cost
 * no more memory than 2,000 (bench/recovery.mjs).
 */
const WINDOW = 2_000;

/**
 * Every delivery is committed to the store before `add` returns; at most
 * `min(maxQueue, 2,000)` are held in memory, and the rest are paged in by
 * sequence number as the queue empties to half that. Nothing is dropped.
 */
export class StoredBacklog implements Backlog {
  readonly queue = new EndpointQueue();
  private readonly window: number;
  /** Pending rows beyond `cursor` may exist in the store but not in memory. */
  private overflow = false;
  /** Highest store sequence number held in memory. */
  private cursor = 0;

  constructor(
    private readonly store: PersistentStore,
    private readonly options: BacklogOptions,
  ) {
    this.window = Math.min(options.maxQueue, WINDOW);
  }

  get waitingOutside(): boolean {
    return this.overflow;
  }

  find(id: string): Delivery | undefined {
    return this.queue.get(id);
  }

  add(d: Delivery, now: number): void {
    const seq = this.store.add(d);
    if (!this.overflow && this.queue.size < this.window) {
      this.queue.add(d, now);
      this.cursor = seq;
    } else {
      this.overflow = true; // stays in the store; paged in when the queue has room
    }
  }

  resume(now: number): void {
    this.overflow = true;
    this.pageIn(now);
  }

  refill(now: number): void {
    if (!this.overflow || this.queue.size > this.window / 2) return;
    try {
      this.pageIn(now);
    } catch (err) {
      this.options.logger.error({ webhook: this.options.webhook, error: (err as Error).message }, 'webhook store read failed');
    }
  }

  private pageIn(now: number): void {
    const room = this.window - this.queue.size;
    if (room <= 0) return;
    const rows = this.store.pending({ webhook: this.options.webhook, after: this.cursor, limit: room });
    for (const row of rows) {
      this.queue.add(row.delivery, now);
      this.cursor = row.seq;
    }
    if (rows.length < room) this.overflow = false;
  }

  delivered(d: Delivery): void {
    this.queue.remove(d);
    this.store.remove(d.id);
  }

  reschedule(d: Delivery, now: number): void {
    this.store.reschedule(d.id, d.attempts, d.nextAttemptAt);
    this.queue.requeue(d, now);
  }

  release(d: Delivery, now: number): void {
    this.queue.requeue(d, now);
  }

  dead(d: Delivery, error: string, now: number): void {
    this.queue.remove(d);
    this.store.deadLetter(d, error, now);
  }

  pending(counts: Record<string, StoreCounts> | undefined): number {
    return counts ? (counts[this.options.webhook]?.pending ?? 0) : this.queue.size;
  }

  lost(): Iterable<Delivery> {
    return [];
  }
}
