/**
 * The engine's timers, from one place: a fake clock's `setTimer` when tests
 * inject one, otherwise `setTimeout`, either unref'd (background work must not
 * keep a process alive) or ref'd (someone awaits the result).
 * @module
 */
import type { Clock } from './types.js';

/** Starts a timer; returns its cancel function. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** Longest delay `setTimeout` takes without firing at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function clamp(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** The two kinds of timer the engine uses. */
export interface Timers {
  /** For background work (retry waits, breaker cooldowns, polling): never keeps the process alive. */
  background: SetTimer;
  /** For a wait someone awaits (a gate's retry, a drain): keeps the process alive until it fires. */
  awaited: SetTimer;
}

/** Timers for `clock`. */
export function timersFor(clock: Clock): Timers {
  if (clock.setTimer) {
    const fake = clock.setTimer.bind(clock);
    return { background: fake, awaited: fake };
  }
  return {
    background(fn, ms) {
      const t = setTimeout(fn, clamp(ms));
      t.unref();
      return () => clearTimeout(t);
    },
    awaited(fn, ms) {
      const t = setTimeout(fn, clamp(ms));
      return () => clearTimeout(t);
    },
  };
}
