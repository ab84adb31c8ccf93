/**
 * The one timer helper of servo and its connectors: a delay of any length.
 * Node's `setTimeout` fires after 1 ms when given more than 2^31-1 ms
 * (~24.8 days), so a `timeout: 600h` would fire at once; {@link startTimer}
 * waits such a delay in steps.
 * @module
 */

/** Longest delay `setTimeout` takes as given; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link startTimer}. */
export interface TimerOptions {
  /** Do not keep the process alive for this timer (background work). Default false. */
  readonly unref?: boolean;
}

/**
 * Calls `fn` once, `ms` milliseconds from now, however long that is (a
 * negative or NaN delay is 0; `Infinity` never fires). Returns the function
 * that cancels it.
 * @example const cancel = startTimer(() => abort(), 600 * 3_600_000, { unref: true });
 */
export function startTimer(fn: () => void, ms: number, options: TimerOptions = {}): () => void {
  const unref = options.unref === true;
  const wait = ms > 0 ? ms : 0;
  let timer: NodeJS.Timeout;
  if (wait <= MAX_TIMER_MS) {
    timer = setTimeout(fn, wait);
    if (unref) timer.unref();
    return () => clearTimeout(timer);
  }
  const due = performance.now() + wait;
  const arm = (): void => {
    const left = due - performance.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, left > 0 ? left : 0);
    if (unref) timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
