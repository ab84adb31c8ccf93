/**
 * A fake clock for code that takes an injected clock (`now()` and
 * `setTimer(fn, ms)` returning a cancel function): time and timers move only
 * with `advance()`, so a negative check ("nothing happened before X") needs no
 * real waiting. Where the code reads real time, use {@link waitFor} with a
 * generous bound instead.
 * @module
 */

/** The clock shape the code under test injects. */
export interface TestClock {
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
}

/** A clock whose time and timers only move with {@link FakeClock.advance}. */
export class FakeClock implements TestClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const id = ++this.seq;
    this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }
  /** Timers pending. */
  get pending(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing due timers in order (letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await tick();
    }
    this.t = end;
    await tick();
  }
}

/** Lets queued microtasks and immediate callbacks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Real-time sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` until true; rejects after `timeoutMs` (generous by default: a loaded machine is slow). */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what: string | (() => string) = 'condition'): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(5);
  }
}
