/**
 * What a drain asks of the endpoints: can anything still finish before the
 * deadline, and what is left when it ends.
 * @module
 */
import { errorText } from './attempt.js';
import type { Endpoint } from './endpoint.js';
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
