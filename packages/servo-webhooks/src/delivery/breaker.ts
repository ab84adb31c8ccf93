/**
 * Per-endpoint circuit breaker.
 *
 * Hand-written rather than cockatiel's `CircuitBreakerPolicy`: that policy
 * guards an `execute()` call and rejects it while open, whereas queued
 * deliveries must simply wait (not fail) while the circuit is open, and the
 * cooldown must follow the engine's injectable clock. The counting rule is the
 * same as cockatiel's `ConsecutiveBreaker`.
 * @module
 */

import { DELIVERY_DEFAULTS } from '../defaults.js';

/** Breaker settings. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  failures: number;
  /** Time the circuit stays open before one probe is let through; default 30 s. */
  cooldownMs: number;
}

/** Default breaker settings. */
export const DEFAULT_BREAKER: BreakerOptions = Object.freeze({ failures: DELIVERY_DEFAULTS.breakerFailures, cooldownMs: DELIVERY_DEFAULTS.breakerCooldownMs });

const CLOSED = -Infinity;

/** State of a circuit. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Closed: everything passes. After `failures` consecutive failures: open, and
 * nothing passes until `cooldownMs` has passed. Then half-open: exactly one
 * probe passes; its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private consecutive = 0;
  /** When the circuit opened (epoch ms), or `CLOSED`; a double from the start (bench/README.md, "V8 notes"). */
  private openedAt = CLOSED;
  private probing = false;

  constructor(private readonly options: BreakerOptions) {}

  /** The state at `now`. */
  state(now: number): CircuitState {
    if (this.openedAt === CLOSED) return 'closed';
    return now >= this.openedAt + this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Epoch ms at which an open circuit lets a probe through (`now` if not open). */
  reopensAt(now: number): number {
    return this.openedAt === CLOSED ? now : Math.max(now, this.openedAt + this.options.cooldownMs);
  }

  /** Whether an attempt may start now; in half-open state, claims the single probe slot. */
  tryAcquire(now: number): boolean {
    const s = this.state(now);
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Records an attempt that reached a working receiver. */
  success(): void {
    this.consecutive = 0;
    this.openedAt = CLOSED;
    this.probing = false;
  }

  /** Records a failed attempt; returns true when this failure opened the circuit. */
  failure(now: number): boolean {
    this.consecutive++;
    const wasOpen = this.openedAt !== CLOSED;
    if (this.probing || (!wasOpen && this.consecutive >= this.options.failures)) {
      this.probing = false;
      this.openedAt = now;
      return !wasOpen;
    }
    return false;
  }

  /** Gives back a probe slot whose attempt ended without a verdict (aborted). */
  release(): void {
    this.probing = false;
  }

  /** Forgets all failures (used by `enable()`). */
  reset(): void {
    this.success();
  }
}
