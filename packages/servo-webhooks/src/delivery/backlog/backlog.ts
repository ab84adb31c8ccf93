/**
 * An endpoint's backlog: every delivery pending for it. Two implementations
 * behind one interface, chosen once by `createBacklog` (create.ts): the engine
 * never asks which store it has.
 * @module
 */
import type { Delivery, DeliveryLogger, StoreCounts } from '../types.js';
import type { EndpointQueue } from './queue.js';

/**
 * The deliveries pending for one endpoint. Those held in memory sit in its
 * {@link EndpointQueue} (ready, waiting for a retry time, or in flight); the
 * rest wait outside it (packed in a spool, or in the store) and are moved in
 * by `refill` as the queue empties.
 */
export interface Backlog {
  /** The deliveries held in memory. */
  readonly queue: EndpointQueue;
  /** True while deliveries wait outside the queue. */
  readonly waitingOutside: boolean;
  /**
   * How often a running servo calls `resume` again, to take up deliveries
   * that other processes sharing a persistent store released or left behind
   * when they died; `undefined`: never (memory).
   */
  readonly rescanMs: number | undefined;
  /** A pending delivery with this id, if one is known in memory (a repeated enqueue returns it). */
  find(id: string): Delivery | undefined;
  /**
   * Takes a new delivery: committed first with a persistent store. `unhealthy`:
   * the endpoint is disabled or its circuit not closed, so it will wait.
   */
  add(d: Delivery, now: number, unhealthy: boolean): void;
  /** Claims what earlier runs or other processes left pending and nobody holds (persistent store; nothing otherwise). */
  resume(now: number): void;
  /** Moves waiting deliveries into the queue when it has room. */
  refill(now: number): void;
  /**
   * An in-flight delivery was delivered; `recorded` runs once that is
   * committed (at once in memory; with a persistent store, when the batch
   * holding it commits, and never if it cannot be): only then is the
   * delivery reported delivered.
   */
  delivered(d: Delivery, recorded: () => void): void;
  /** True while this backlog's bookkeeping writes wait for their first commit attempt (a drain waits for them). */
  readonly committing: boolean;
  /** An in-flight delivery waits until `d.nextAttemptAt` (a retry, or a 410 hold). */
  reschedule(d: Delivery, now: number): void;
  /** An in-flight attempt ended without a verdict (shutdown): the delivery stays as it was. */
  release(d: Delivery, now: number): void;
  /** An in-flight delivery is given up on: dead-lettered with `error`. */
  dead(d: Delivery, error: string, now: number): void;
  /** Deliveries pending, given the store's counts when they were read (`undefined` after close). */
  pending(counts: Record<string, StoreCounts> | undefined): number;
  /** Deliveries that end with the process if it ends now (a memory store's backlog). */
  lost(): Iterable<Delivery>;
}

/** What a backlog needs besides its store. */
export interface BacklogOptions {
  /** Endpoint name. */
  webhook: string;
  /** Most deliveries pending per endpoint (memory) or held in memory (persistent, capped lower). */
  maxQueue: number;
  logger: DeliveryLogger;
  /** A memory backlog dropped its oldest delivery to stay within `maxQueue`. */
  onDrop(d: Delivery): void;
  /** A commit attempt of bookkeeping writes ended (a drain looks again). */
  onCommitAttempt(): void;
}
