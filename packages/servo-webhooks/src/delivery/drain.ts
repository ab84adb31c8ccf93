/**
 * What a drain asks of the endpoints: can anything still finish before the
 * deadline, and what is left when it ends.
 * @module
 */
import { errorText } from './attempt.js';
import type { Endpoint } from './endpoint.js';
import type { SetTimer } from './timers.js';
import type { DeliveryLogger, DeliveryStore, DrainSummary, StoreCounts } from './types.js';

/** How many lost deliveries a drain summary names. */
const LOST_LISTED = 20;

/**
 * True when no endpoint can make progress before `deadline`: nothing in
 * flight or waiting for its first commit, and what is left waits on a disabled endpoint, a circuit that opens
 * after the deadline, or a retry due after it.
 */
export function idleUntil(endpoints: Iterable<Endpoint>, busy: (ep: Endpoint) => boolean, now: number, deadline: number): boolean {
  for (const ep of endpoints) {
    if (busy(ep) || ep.backlog.committing) return false;
    if (ep.disabled) continue;
    if (ep.breaker.state(now) === 'open' && ep.breaker.reopensAt(now) > deadline) continue;
    const { backlog } = ep;
    if (backlog.waitingOutside || backlog.queue.hasReady(now) || backlog.queue.nextDueAt() <= deadline) return false;
  }
  return true;
}

/** The totals at the end of a drain, logged: a warning names what the process takes with it. */
export function summarize(endpoints: Iterable<Endpoint>, store: DeliveryStore, logger: DeliveryLogger): DrainSummary {
  let counts: Record<string, StoreCounts> | undefined;
  try {
    store.flush();
  } catch {
    // A store reports its own write failures, once (sqlite-store.ts).
  }
  try {
    counts = store.counts();
  } catch (err) {
    logger.error({ error: errorText(err as Error) }, 'webhook store flush failed');
  }
  const summary: DrainSummary = { delivered: 0, pending: 0, dead: 0, dropped: 0, lost: [] };
  let lostCount = 0;
  for (const ep of endpoints) {
    summary.delivered += ep.counters.delivered;
    summary.dead += ep.counters.dead;
    summary.dropped += ep.counters.dropped;
    summary.pending += ep.backlog.pending(counts);
    for (const d of ep.backlog.lost()) {
      lostCount++;
      if (summary.lost.length < LOST_LISTED) summary.lost.push({ id: d.id, webhook: d.webhook, event: d.event });
      else break;
    }
  }
  if (lostCount > 0) logger.warn({ ...summary }, 'webhook delivery drained; pending deliveries are lost (memory store)');
  else logger.info({ ...summary }, 'webhook delivery drained');
  return summary;
}

/** What a drain needs from the engine. */
export interface DrainDeps {
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly store: DeliveryStore;
  readonly logger: DeliveryLogger;
  readonly now: () => number;
  /** A ref'd timer: a CLI awaiting the drain stays alive until it ends. */
  readonly setTimer: SetTimer;
  /** True while an endpoint has attempts in flight or a pump queued. */
  busy(ep: Endpoint): boolean;
  /** The drain ended: the engine stops its timers and attempts. */
  ended(): void;
}

/** The engine's one drain: waits until nothing can finish before the deadline, then summarises. */
export class Drain {
  private promise: Promise<DrainSummary> | undefined;
  private check: (() => void) | undefined;
  private finish: (() => void) | undefined;
  /** Work under way that may enqueue more (see `track`): the drain does not end before it. */
  private holds = 0;

  constructor(private readonly deps: DrainDeps) {}

  /** Starts the drain (once; later calls get the same promise); `waiting` false ends it at once. */
  run(timeoutMs: number, waiting: boolean): Promise<DrainSummary> {
    if (this.promise) return this.promise;
    const { deps } = this;
    const deadline = deps.now() + timeoutMs;
    this.promise = new Promise<DrainSummary>((resolve) => {
      let done = false;
      const cancel = deps.setTimer(() => finish(), timeoutMs);
      const finish = (): void => {
        if (done) return;
        done = true;
        cancel();
        this.check = undefined;
        this.finish = undefined;
        deps.ended();
        resolve(summarize(deps.endpoints.values(), deps.store, deps.logger));
      };
      this.check = () => {
        if (this.holds === 0 && idleUntil(deps.endpoints.values(), (ep) => deps.busy(ep), deps.now(), deadline)) finish();
      };
      this.finish = finish;
      if (!waiting) finish();
      else queueMicrotask(() => this.check?.());
    });
    return this.promise;
  }

  /** Something settled or woke up: the drain may be able to end. */
  progress(): void {
    this.check?.();
  }

  /** Keeps the drain from ending before `work` settles (within its timeout). */
  track(work: Promise<unknown>): void {
    this.holds++;
    const settled = (): void => {
      this.holds--;
      this.check?.();
    };
    work.then(settled, settled);
  }

  /** Ends a running drain now (the engine closes). */
  end(): void {
    this.finish?.();
  }
}
