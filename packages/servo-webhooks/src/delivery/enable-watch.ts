/**
 * How `servo webhooks enable NAME`, run in another process, reaches a running
 * engine: it clears the endpoint's disabled record in the shared store, and
 * the engine, polling while something is disabled, notices and enables it.
 * @module
 */
import type { SetTimer } from './timers.js';
import type { DeliveryStore } from './types.js';

/** How often the store is read while an endpoint is disabled. */
const POLL_MS = 2_000;

/** Polls the store's disabled records while `disabledNames()` is not empty. */
export class EnableWatch {
  private cancel: (() => void) | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly setTimer: SetTimer,
    /** The endpoints disabled in this engine now. */
    private readonly disabledNames: () => string[],
    /** Enables an endpoint whose record was cleared. */
    private readonly enable: (name: string) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts polling, unless already polling. (A memory store's records change only here: polling it is cheap and finds nothing.) */
  start(): void {
    if (this.cancel) return;
    this.cancel = this.setTimer(() => this.check(), POLL_MS);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private check(): void {
    this.cancel = undefined;
    let recorded: Record<string, unknown>;
    try {
      recorded = this.store.disabled();
    } catch (err) {
      this.onError(err);
      this.start();
      return;
    }
    let still = false;
    for (const name of this.disabledNames()) {
      if (!recorded[name]) this.enable(name);
      else still = true;
    }
    if (still) this.start();
  }
}
