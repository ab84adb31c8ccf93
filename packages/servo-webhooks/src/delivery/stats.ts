/**
 * What the engine reports of an endpoint: its counters and state, with its
 * pending and dead counts as the store knows them (store-wide for a
 * persistent store shared by several processes).
 * @module
 */
import type { Endpoint } from './endpoint.js';
import type { EndpointStats, StoreCounts } from './types.js';

/** An endpoint's stats, plus its dead letters as counted by the store. */
export type EndpointSnapshot = EndpointStats & { deadStored: number };

/** `ep`'s stats at `now`, given the store's `counts` (`undefined` after close). */
export function endpointSnapshot(ep: Endpoint, counts: Record<string, StoreCounts> | undefined, now: number): EndpointSnapshot {
  return {
    ...ep.counters,
    queueDepth: ep.backlog.pending(counts),
    circuit: ep.breaker.state(now),
    disabled: ep.disabled,
    deadStored: counts?.[ep.name]?.dead ?? 0,
  };
}
