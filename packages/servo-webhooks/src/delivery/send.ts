/**
 * A gate's send: one delivery sent now, outside the queues, with its caller
 * waiting for the answer, bounded by a deadline.
 * @module
 */
import { CircuitOpenError, DeadlineExceededError, WebhookAbortedError } from '../errors.js';
import type { Attempter, AttemptResult } from './attempt.js';
import type { Endpoint } from './endpoint.js';
import type { Reporter } from './report.js';
import type { SetTimer } from './timers.js';
import { AttemptControl } from './transport.js';
import type { Delivery, SendOutcome } from './types.js';
import { verdict, type RetrySettings } from './verdict.js';

/** What a send needs from the engine. */
export interface SendDeps {
  readonly attempter: Attempter;
  readonly reporter: Reporter;
  /** A ref'd timer: the caller awaits the wait between attempts. */
  readonly setTimer: SetTimer;
  readonly now: () => number;
  readonly retry: RetrySettings;
  /** Cancellers of the sends running now; `close()` calls each. */
  readonly running: Set<() => void>;
  /** An attempt's 410 disabled the endpoint. */
  disabled(ep: Endpoint, d: Delivery): void;
}

/**
 * Sends `d` to `ep` now, retrying per the endpoint's policy but never past
 * `deadlineMs` in total; fails fast when its circuit is open. Resolves
 * `{ok: true, response}` on a 2xx, else `{ok: false, error}` (with the last
 * response when there was one). Never rejects.
 */
export async function sendNow(deps: SendDeps, ep: Endpoint, d: Delivery, opts: { deadlineMs: number; signal?: AbortSignal }): Promise<SendOutcome> {
  const deadline = d.createdAt + opts.deadlineMs;
  // Cancellation (caller's signal or close()) reaches the attempt in flight or the wait between attempts.
  let cancelled: Error | undefined;
  let current: AttemptControl | undefined;
  let wake: (() => void) | undefined;
  const cancel = (reason: Error): void => {
    if (cancelled) return;
    cancelled = reason;
    current?.abort(reason);
    wake?.();
  };
  const onClose = (): void => cancel(new WebhookAbortedError(ep.name, 'engine closed'));
  const onUser = (): void => cancel(new WebhookAbortedError(ep.name, opts.signal?.reason));
  deps.running.add(onClose);
  if (opts.signal?.aborted) onUser();
  else opts.signal?.addEventListener('abort', onUser, { once: true });
  let last: AttemptResult | undefined;
  const fail = (error: Error): SendOutcome => {
    const out: SendOutcome = { ok: false, error, attempts: d.attempts };
    if (last?.response) out.response = last.response;
    return out;
  };
  try {
    for (;;) {
      if (cancelled) return fail(cancelled);
      const now = deps.now();
      if (deadline - now <= 0) return fail(new DeadlineExceededError(ep.name, opts.deadlineMs, last?.error));
      if (!ep.breaker.tryAcquire(now)) return fail(new CircuitOpenError(ep.name, ep.breaker.reopensAt(now)));
      d.attempts++;
      current = new AttemptControl();
      const r = (last = await deps.attempter.once(ep, d, Math.min(ep.timeoutMs, deadline - now), current));
      current = undefined;
      const after = deps.now();
      if (ep.observe(r, d, after)) deps.disabled(ep, d);
      const step = verdict(r, d, ep.retry, after, deps.retry, deadline);
      if (step.outcome === 'aborted') return fail(r.error!);
      if (step.outcome === 'delivered') {
        ep.counters.delivered++;
        deps.reporter.attempt(ep, d, r, 'delivered');
        return { ok: true, response: r.response!, attempts: d.attempts };
      }
      ep.counters.failed++;
      if (step.outcome !== 'retry') {
        deps.reporter.attempt(ep, d, r, step.outcome, undefined, step.reason);
        return fail(r.error!);
      }
      ep.counters.retried++;
      deps.reporter.attempt(ep, d, r, 'retry', step.delayMs);
      if (step.delayMs > 0) {
        await new Promise<void>((resolve) => {
          const stop = deps.setTimer(resolve, step.delayMs);
          wake = () => {
            stop();
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    deps.running.delete(onClose);
    opts.signal?.removeEventListener('abort', onUser);
  }
}
