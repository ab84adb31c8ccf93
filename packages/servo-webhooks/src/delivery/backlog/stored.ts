/**
 * The backlog of an endpoint whose deliveries live in a persistent store.
 * @module
 */
import type { Delivery, PersistentStore, StoreCounts } from '../types.js';
import type { Backlog, BacklogOptions } from './backlog.js';
import { EndpointQueue } from './queue.js';

/**
 * Most deliveries per endpoint held in memory: enough to keep any concurrency
 * busy between two claims, small enough that 100,000 pending deliveries cost
 * no more memory than 2,000 (bench/recovery.mjs).
 */
const WINDOW = 2_000;

/**
 * Every delivery is committed to the store before `add` returns; at most
 * `min(maxQueue, 2,000)` are held in memory (and in the store, leased to this
 * process), and the rest wait in the store, unheld, until a process claims
 * them as its queue empties to half that. Nothing is dropped.
 */
export class StoredBacklog implements Backlog {
  readonly queue = new EndpointQueue();
  private readonly window: number;
  /** Rows this process may claim may wait in the store. */
  private overflow = false;
  /** Bookkeeping writes not yet tried: a drain waits for them. */
  private untried = 0;
  /** A failed read (claim) was logged; cleared by the next one that works: logged once per streak. */
  private readFailing = false;

  constructor(
    private readonly store: PersistentStore,
    private readonly options: BacklogOptions,
  ) {
    this.window = Math.min(options.maxQueue, WINDOW);
  }

  get waitingOutside(): boolean {
    return this.overflow;
  }

  /** Half the lease: rows another process released or left behind are looked for this often. */
  get rescanMs(): number {
    return this.store.leaseMs / 2;
  }

  find(id: string): Delivery | undefined {
    return this.queue.get(id);
  }

  add(d: Delivery, now: number): void {
    const held = !this.overflow && this.queue.size < this.window;
    this.store.add(d, held);
    if (held) this.queue.add(d, now);
    else this.overflow = true; // stays in the store; claimed when the queue has room
  }

  resume(now: number): void {
    this.overflow = true;
    this.claim(now);
  }

  refill(now: number): void {
    if (!this.overflow || this.queue.size > this.window / 2) return;
    try {
      this.claim(now);
      this.readFailing = false;
    } catch (err) {
      if (this.readFailing) return;
      this.readFailing = true;
      this.options.logger.error(
        { webhook: this.options.webhook, error: (err as Error).message },
        'webhook store read failed; retried as the queue empties, not logged again until it works',
      );
    }
  }

  private claim(now: number): void {
    const room = this.window - this.queue.size;
    if (room <= 0) return;
    const rows = this.store.claim({ webhook: this.options.webhook, limit: room });
    for (const d of rows) this.queue.add(d, now);
    if (rows.length < room) this.overflow = false;
  }

  get committing(): boolean {
    return this.untried > 0 && this.store.committing;
  }

  /** One of this backlog's writes had its first commit attempt. */
  private attempted(): void {
    this.untried--;
    this.options.onCommitAttempt();
  }

  delivered(d: Delivery, recorded: () => void): void {
    this.queue.remove(d);
    this.untried++;
    let first = true;
    this.store.remove(d.id, (committed) => {
      if (committed) recorded();
      if (first) {
        first = false;
        this.attempted();
      }
    });
  }

  reschedule(d: Delivery, now: number): void {
    this.untried++;
    this.store.reschedule(d.id, d.attempts, d.nextAttemptAt, this.firstOnly());
    this.queue.requeue(d, now);
  }

  /** A `done` that counts the first commit attempt only. */
  private firstOnly(): (committed: boolean) => void {
    let first = true;
    return () => {
      if (!first) return;
      first = false;
      this.attempted();
    };
  }

  release(d: Delivery, now: number): void {
    this.queue.requeue(d, now);
  }

  dead(d: Delivery, error: string, now: number): void {
    this.queue.remove(d);
    this.untried++;
    this.store.deadLetter(d, error, now, this.firstOnly());
  }

  pending(counts: Record<string, StoreCounts> | undefined): number {
    return counts ? (counts[this.options.webhook]?.pending ?? 0) : this.queue.size;
  }

  lost(): Iterable<Delivery> {
    return [];
  }
}
