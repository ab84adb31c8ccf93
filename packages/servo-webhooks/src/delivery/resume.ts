/**
 * Taking up what a persistent store holds: at start, the deliveries an
 * earlier run left and the endpoints it disabled; while running, every
 * `rescanMs` of the backlogs, the deliveries other processes sharing the
 * store released or left behind when they died.
 * @module
 */
import type { Endpoint } from './endpoint.js';
import type { SetTimer } from './timers.js';
import type { DeliveryLogger, DeliveryStore } from './types.js';

/** What resuming needs from the engine. */
export interface ResumeDeps {
  readonly store: DeliveryStore;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly logger: DeliveryLogger;
  readonly now: () => number;
  readonly setTimer: SetTimer;
  /** Pumps an endpoint soon. */
  schedule(ep: Endpoint): void;
  /** Runs a store call whose failure is logged, not thrown. */
  guard<T>(fn: () => T): T | undefined;
  /** True while the engine runs (not draining or closed). */
  running(): boolean;
}

/** Resumes once, then rescans until stopped. */
export class Resumer {
  private cancel: (() => void) | undefined;

  constructor(private readonly deps: ResumeDeps) {}

  /** Re-enables endpoints an earlier run disabled, resumes every backlog, logs what it found, arms the rescan. */
  resume(): void {
    const { store, endpoints, logger, guard } = this.deps;
    for (const name of Object.keys(guard(() => store.disabled()) ?? {})) {
      if (endpoints.has(name)) guard(() => store.setDisabled(name, null, this.deps.now()));
    }
    const counts = guard(() => store.counts()) ?? {};
    let resumed = 0;
    for (const ep of endpoints.values()) {
      // A store that cannot take the claim now (a full disk) is logged; the rescan tries again.
      guard(() => ep.backlog.resume(this.deps.now()));
      resumed += counts[ep.name]?.pending ?? 0;
      this.deps.schedule(ep);
    }
    for (const [name, c] of Object.entries(counts)) {
      if (endpoints.has(name) || c.pending === 0) continue;
      logger.warn({ webhook: name, pending: c.pending }, 'webhook store holds deliveries for an endpoint that is not configured; left in the store');
    }
    if (resumed > 0) logger.info({ pending: resumed }, 'webhook deliveries resumed from the store');
    this.arm();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Arms the periodic rescan of the backlogs that have one (persistent stores). */
  private arm(): void {
    const { endpoints } = this.deps;
    const every = Math.min(...[...endpoints.values()].map((ep) => ep.backlog.rescanMs ?? Infinity));
    if (every === Infinity || !this.deps.running()) return;
    this.cancel = this.deps.setTimer(() => {
      this.cancel = undefined;
      if (!this.deps.running()) return;
      for (const ep of endpoints.values()) {
        if (ep.backlog.rescanMs === undefined) continue;
        this.deps.guard(() => ep.backlog.resume(this.deps.now()));
        this.deps.schedule(ep);
      }
      this.arm();
    }, every);
  }
}
