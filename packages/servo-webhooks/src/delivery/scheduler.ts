/**
 * The queued path: starts attempts as each endpoint's concurrency, breaker
 * and backlog allow, books their results, and wakes an endpoint when its next
 * retry is due or its circuit lets a probe through.
 * @module
 */
import { WebhookAbortedError } from '../errors.js';
import { errorText, type Attempter, type AttemptResult } from './attempt.js';
import type { Endpoint } from './endpoint.js';
import type { Reporter } from './report.js';
import type { SetTimer } from './timers.js';
import { AttemptControl } from './transport.js';
import type { Delivery, WebhookResponse } from './types.js';
import { verdict, type RetrySettings, type Step } from './verdict.js';

/** What the scheduler needs from the engine around it. */
export interface SchedulerDeps {
  readonly attempter: Attempter;
  readonly reporter: Reporter;
  readonly setTimer: SetTimer;
  readonly now: () => number;
  readonly concurrency: number;
  readonly retry: RetrySettings;
  /** True while the engine sends (running or draining). */
  active(): boolean;
  /** True once the engine is closed: late results are ignored. */
  closed(): boolean;
  /** Something settled or woke up: a drain may be able to finish. */
  progress(): void;
  /** An attempt's 410 disabled the endpoint. */
  disabled(ep: Endpoint, d: Delivery): void;
  /** A queued delivery's 2xx answer. */
  response: ((d: Delivery, r: WebhookResponse) => void) | undefined;
}

/** Runs the queued deliveries of every endpoint. */
export class Scheduler {
  /** Attempts in flight, with their endpoint name (aborted by `stop`). */
  private readonly inflight = new Map<AttemptControl, string>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Pumps `ep` soon (once per microtask however often it is asked). */
  schedule(ep: Endpoint): void {
    if (ep.pumpQueued || ep.settling) return;
    ep.pumpQueued = true;
    queueMicrotask(() => {
      ep.pumpQueued = false;
      this.pump(ep);
    });
  }

  /** Starts as many attempts as the endpoint's concurrency, breaker and state allow. */
  pump(ep: Endpoint): void {
    if (!this.deps.active() || ep.disabled) return;
    const now = this.deps.now();
    const { backlog, breaker } = ep;
    const queue = backlog.queue;
    backlog.refill(now);
    while (queue.inFlight < this.deps.concurrency && queue.hasReady(now)) {
      if (!breaker.tryAcquire(now)) {
        // Open: wake when a probe is allowed. Half-open with a probe in flight: its end pumps.
        if (breaker.state(now) === 'open') this.wake(ep, breaker.reopensAt(now));
        return;
      }
      this.deliver(ep, queue.takeReady());
    }
    if (queue.inFlight < this.deps.concurrency) {
      const due = queue.nextDueAt();
      if (due !== Infinity) this.wake(ep, due);
    }
  }

  /** Aborts the attempts in flight (their deliveries stay pending) and disarms the endpoints' timers. */
  stop(endpoints: Iterable<Endpoint>): void {
    for (const [control, name] of this.inflight) control.abort(new WebhookAbortedError(name, 'engine stopped'));
    for (const ep of endpoints) {
      ep.cancelWake?.();
      ep.cancelWake = undefined;
      ep.wakeAt = Infinity;
    }
  }

  /** True while any attempt of `ep` is in flight or a pump is queued. */
  busy(ep: Endpoint): boolean {
    return ep.backlog.queue.inFlight > 0 || ep.pumpQueued;
  }

  /** Arms the endpoint's single timer for `at` (unless it already fires earlier). */
  private wake(ep: Endpoint, at: number): void {
    if (ep.cancelWake && ep.wakeAt <= at) return;
    ep.cancelWake?.();
    ep.wakeAt = at;
    ep.cancelWake = this.deps.setTimer(() => {
      ep.cancelWake = undefined;
      ep.wakeAt = Infinity;
      this.pump(ep);
      this.deps.progress();
    }, at - this.deps.now());
  }

  private deliver(ep: Endpoint, d: Delivery): void {
    d.attempts++;
    const control = new AttemptControl();
    this.inflight.set(control, ep.name);
    this.deps.attempter.run(ep, d, ep.timeoutMs, control, (r) => {
      this.inflight.delete(control);
      this.settle(ep, d, r);
    });
  }

  /** Books an attempt's result, then pumps. Never throws. */
  private settle(ep: Endpoint, d: Delivery, r: AttemptResult): void {
    const deps = this.deps;
    if (deps.closed()) return;
    ep.settling = true;
    try {
      const now = deps.now();
      if (ep.observe(r, d, now)) deps.disabled(ep, d);
      this.book(ep, d, r, verdict(r, d, ep.retry, now, deps.retry), now);
    } catch (err) {
      deps.reporter.logger.error({ webhook: ep.name, id: d.id, error: errorText(err as Error) }, 'webhook delivery bookkeeping failed');
    } finally {
      ep.settling = false;
      if (deps.active()) {
        this.pump(ep);
        deps.progress();
      }
    }
  }

  /** Moves the delivery to where `step` says: delivered, waiting (retry or 410 hold), dead, or back as it was. */
  private book(ep: Endpoint, d: Delivery, r: AttemptResult, step: Step, now: number): void {
    const { backlog, counters } = ep;
    const { reporter } = this.deps;
    switch (step.outcome) {
      case 'aborted':
        reporter.logger.debug(
          { webhook: ep.name, event: d.event, id: d.id, attempt: d.attempts },
          'webhook attempt aborted by shutdown; delivery stays pending',
        );
        d.attempts--;
        backlog.release(d, now);
        return;
      case 'delivered':
        // Reported once recorded: a store that cannot commit it sends it again later.
        backlog.delivered(d, () => this.delivered(ep, d, r));
        return;
      case 'gone':
        // Kept, not dead-lettered: sent again once the endpoint is enabled.
        counters.failed++;
        d.nextAttemptAt = now;
        backlog.reschedule(d, now);
        reporter.attempt(ep, d, r, 'gone');
        return;
      case 'retry':
        counters.failed++;
        counters.retried++;
        d.nextAttemptAt = now + step.delayMs;
        backlog.reschedule(d, now);
        reporter.attempt(ep, d, r, 'retry', step.delayMs);
        return;
      default:
        counters.failed++;
        counters.dead++;
        backlog.dead(d, step.reason === undefined ? errorText(r.error!) : `${errorText(r.error!)} (not retried: ${step.reason})`, now);
        reporter.attempt(ep, d, r, step.outcome, undefined, step.reason);
    }
  }

  /** A delivery's 2xx is recorded: counted, logged, and its answer handed on. */
  private delivered(ep: Endpoint, d: Delivery, r: AttemptResult): void {
    const { reporter } = this.deps;
    ep.counters.delivered++;
    reporter.attempt(ep, d, r, 'delivered');
    const onResponse = this.deps.response;
    if (onResponse) reporter.guard(() => onResponse(d, r.response!));
  }
}
