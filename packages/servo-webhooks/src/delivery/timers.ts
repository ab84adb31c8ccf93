/**
 * The engine's timers, from one place: a fake clock's `setTimer` when tests
 * inject one, otherwise servo-core's `startTimer` (any length, past Node's
 * 2^31-1 ms), either unref'd (background work must not keep a process alive)
 * or ref'd (someone awaits the result).
 * @module
 */
import { startTimer } from 'servo-core';
import type { Clock } from './types.js';

/** Starts a timer; returns its cancel function. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

const UNREF = { unref: true } as const;

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
    background: (fn, ms) => startTimer(fn, ms, UNREF),
    awaited: (fn, ms) => startTimer(fn, ms),
  };
}
