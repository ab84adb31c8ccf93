/**
 * What the engine reports of an endpoint: its counters and state, with its
 * pending and dead counts as the store knows them (store-wide for a
 * persistent store shared by several processes).
 * @module
 */
import { errorText } from './attempt.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointStats, StoreCounts } from './types.js';

/** An endpoint's stats, plus its dead letters as counted by the store and its health as a page shows it. */
export type EndpointSnapshot = EndpointStats & {
  deadStored: number;
  /** When an attempt last got a 2xx, ms since the epoch (this process's attempts). */
  lastSuccessAt: number | undefined;
  /** When an attempt last failed. */
  lastFailureAt: number | undefined;
  /** Why: the status (`503`), or `CODE: message` when no answer came (text from the network: escape it). */
  lastFailure: string | undefined;
  /** When a 410 disabled it, while it is disabled. */
  disabledSince: number | undefined;
};

/** `ep`'s stats at `now`, given the store's `counts` (`undefined` after close). */
export function endpointSnapshot(ep: Endpoint, counts: Record<string, StoreCounts> | undefined, now: number): EndpointSnapshot {
  return {
    ...ep.counters,
    queueDepth: ep.backlog.pending(counts),
    circuit: ep.breaker.state(now),
    disabled: ep.disabled,
    deadStored: counts?.[ep.name]?.dead ?? 0,
    lastSuccessAt: ep.lastSuccessAt || undefined,
    lastFailureAt: ep.lastFailureAt || undefined,
    lastFailure: failureText(ep.lastFailure),
    disabledSince: ep.disabled ? ep.disabledSince : undefined,
  };
}

function failureText(f: number | Error | undefined): string | undefined {
  return f === undefined ? undefined : typeof f === 'number' ? String(f) : errorText(f);
}
