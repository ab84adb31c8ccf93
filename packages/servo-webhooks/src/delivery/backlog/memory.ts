/**
 * The backlog of an endpoint whose deliveries live in memory only.
 * @module
 */
import type { Delivery, DeliveryStore } from '../types.js';
import type { Backlog, BacklogOptions } from './backlog.js';
import { EndpointQueue } from './queue.js';
import { Spool } from './spool.js';

/**
 * Deliveries held as objects in the queue; later ones wait packed in a
 * {@link Spool} (see there for why) and move into the queue as it empties to
 * half this.
 */
const QUEUE_WINDOW = 256;

/** The body in its own exact-size buffer (a copy unless it already owns one). */
function ownBytes(body: Uint8Array): Uint8Array {
  return body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
}

/**
 * Queue plus spool, bounded by `maxQueue` in all: past it the oldest
 * delivery not in flight is dropped. Dead letters go to the (memory) store.
 */
export class MemoryBacklog implements Backlog {
  readonly queue = new EndpointQueue();
  private readonly spool = new Spool();
  /** Nothing to take over: memory is not shared. */
  readonly rescanMs = undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly options: BacklogOptions,
  ) {}

  get waitingOutside(): boolean {
    return this.spool.length > 0;
  }

  find(id: string): Delivery | undefined {
    return this.queue.get(id) ?? this.spool.get(id, this.options.webhook);
  }

  add(d: Delivery, now: number, unhealthy: boolean): void {
    const behind = this.spool.length > 0 || this.queue.size >= QUEUE_WINDOW;
    if (!behind || !this.spooled(d)) {
      // A Buffer.from() body shares an 8 KB pool slab: one held behind a broken
      // endpoint gets its own bytes, so it does not keep the slab alive.
      if (unhealthy) d.body = ownBytes(d.body);
      this.queue.add(d, now);
    }
    while (this.queue.size + this.spool.length > this.options.maxQueue) {
      const old = this.queue.dropOldest() ?? this.spool.shift(this.options.webhook);
      if (!old) break;
      this.options.onDrop(old);
    }
  }

  /** Packs `d` into the spool; false (and not spooled) for strings too long to pack. */
  private spooled(d: Delivery): boolean {
    try {
      this.spool.push(d);
      return true;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return false; // held in the queue instead: order may shift, nothing is lost
    }
  }

  resume(): void {}

  refill(now: number): void {
    if (this.spool.length === 0 || this.queue.size > QUEUE_WINDOW / 2) return;
    while (this.queue.size < QUEUE_WINDOW && this.spool.length > 0) this.queue.add(this.spool.shift(this.options.webhook)!, now);
  }

  /** Nothing to commit: always false. */
  readonly committing = false;

  delivered(d: Delivery, recorded: () => void): void {
    this.queue.remove(d);
    recorded();
  }

  reschedule(d: Delivery, now: number): void {
    this.queue.requeue(d, now);
  }

  release(d: Delivery, now: number): void {
    this.queue.requeue(d, now);
  }

  dead(d: Delivery, error: string, now: number): void {
    this.queue.remove(d);
    this.store.deadLetter(d, error, now);
  }

  pending(): number {
    return this.queue.size + this.spool.length;
  }

  *lost(): Iterable<Delivery> {
    yield* this.queue.values();
    yield* this.spool.values(this.options.webhook);
  }
}
