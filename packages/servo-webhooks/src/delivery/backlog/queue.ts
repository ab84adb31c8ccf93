/**
 * The in-memory queue of one endpoint: the deliveries it holds (in arrival
 * order), those due now (FIFO) and those waiting for a retry time (min-heap).
 * Removal is lazy: the ready list and the heap may keep references to
 * deliveries that were dropped; they are skipped when reached.
 * @module
 */

import type { Delivery } from '../types.js';

/** FIFO with amortised O(1) `shift`. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

/** Binary min-heap of deliveries by `nextAttemptAt`. */
class DueHeap {
  private readonly h: Delivery[] = [];
  get length(): number {
    return this.h.length;
  }
  peek(): Delivery | undefined {
    return this.h[0];
  }
  push(d: Delivery): void {
    const h = this.h;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.nextAttemptAt <= d.nextAttemptAt) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = d;
  }
  pop(): Delivery | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.nextAttemptAt < h[l]!.nextAttemptAt ? r : l;
        if (h[c]!.nextAttemptAt >= last.nextAttemptAt) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/**
 * Deliveries held in memory for one endpoint. A delivery is either ready,
 * waiting (retry time in the future) or in flight; `size` counts all three.
 * Mutate a delivery's `nextAttemptAt` only while it is in flight.
 */
export class EndpointQueue {
  private readonly held = new Map<string, Delivery>();
  private readonly inflight = new Set<string>();
  private readonly ready = new Fifo<Delivery>();
  private readonly waiting = new DueHeap();

  /** Deliveries held (ready, waiting and in flight). */
  get size(): number {
    return this.held.size;
  }

  /** Deliveries in flight. */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** True when `id` is held. */
  has(id: string): boolean {
    return this.held.has(id);
  }

  /** Every held delivery (ready, waiting and in flight). */
  values(): IterableIterator<Delivery> {
    return this.held.values();
  }

  /** The held delivery with this id. */
  get(id: string): Delivery | undefined {
    return this.held.get(id);
  }

  /** Holds a new (or resumed) delivery. */
  add(d: Delivery, now: number): void {
    this.held.set(d.id, d);
    this.schedule(d, now);
  }

  private schedule(d: Delivery, now: number): void {
    if (d.nextAttemptAt <= now) this.ready.push(d);
    else this.waiting.push(d);
  }

  private live(d: Delivery): boolean {
    return this.held.get(d.id) === d && !this.inflight.has(d.id);
  }

  /** Moves waiting deliveries whose time has come to the ready list. */
  private promote(now: number): void {
    for (let d = this.waiting.peek(); d && d.nextAttemptAt <= now; d = this.waiting.peek()) {
      this.waiting.pop();
      if (this.live(d)) this.ready.push(d);
    }
  }

  /** True when a delivery could start now. */
  hasReady(now: number): boolean {
    this.promote(now);
    for (let d = this.ready.peek(); d; d = this.ready.peek()) {
      if (this.live(d)) return true;
      this.ready.shift();
    }
    return false;
  }

  /** Takes the next ready delivery and marks it in flight. */
  take(now: number): Delivery | undefined {
    if (!this.hasReady(now)) return undefined;
    const d = this.ready.shift()!;
    this.inflight.add(d.id);
    return d;
  }

  /** Takes the head of the ready list and marks it in flight; only right after `hasReady()` returned true. */
  takeReady(): Delivery {
    const d = this.ready.shift()!;
    this.inflight.add(d.id);
    return d;
  }

  /** Earliest `nextAttemptAt` of the waiting deliveries (Infinity if none). */
  nextDueAt(): number {
    for (let d = this.waiting.peek(); d; d = this.waiting.peek()) {
      if (this.live(d)) return d.nextAttemptAt;
      this.waiting.pop();
    }
    return Infinity;
  }

  /** An in-flight delivery goes back to waiting (retry) or ready. */
  requeue(d: Delivery, now: number): void {
    this.inflight.delete(d.id);
    if (this.held.get(d.id) === d) this.schedule(d, now);
  }

  /** An in-flight (or held) delivery is finished with: delivered, dead or dropped. */
  remove(d: Delivery): void {
    this.inflight.delete(d.id);
    if (this.held.get(d.id) === d) this.held.delete(d.id);
  }

  /** Removes and returns the oldest held delivery that is not in flight. */
  dropOldest(): Delivery | undefined {
    for (const d of this.held.values()) {
      if (!this.inflight.has(d.id)) {
        this.held.delete(d.id);
        return d;
      }
    }
    return undefined;
  }
}
