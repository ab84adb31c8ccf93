/**
 * The delivery engine: queued, retried, signed POSTs to configured endpoints.
 *
 * Its parts, each in its own module: an {@link Endpoint} per receiver (its
 * backlog, breaker and 410 state); a `Backlog` per endpoint, in memory or in a
 * persistent store; the {@link Attempter} (sign, POST, classify); the one
 * `verdict` that turns a result into the next step; the {@link Scheduler} of
 * queued deliveries; `sendNow` for gates; the drain helpers and the
 * {@link EnableWatch}. This class owns their lifecycle and the public API.
 * @module
 */
import { EndpointDisabledError, EngineClosedError, RedeliverError, UnknownEndpointError } from '../errors.js';
import type { DeliveryHistory } from '../history/types.js';
import { Attempter, errorText } from './attempt.js';
import { createBacklog } from './backlog/create.js';
import { Drain } from './drain.js';
import { EnableWatch } from './enable-watch.js';
import { Endpoint } from './endpoint.js';
import { newDelivery } from './id.js';
import { MemoryStore } from './memory-store.js';
import { resolveSettings, silentLogger, transportOptions, type DeliveryEngineOptions, type ResolvedSettings } from './options.js';
import { Reporter } from './report.js';
import { Resumer } from './resume.js';
import { Scheduler } from './scheduler.js';
import { sendNow, type SendDeps } from './send.js';
import { endpointSnapshot, type EndpointSnapshot } from './stats.js';
import { timersFor, type Timers } from './timers.js';
import { Transport } from './transport.js';
import type { DeadDelivery, Delivery, DeliveryInput, DeliveryLogger, DeliveryStore, DrainSummary, EndpointStats, SendOutcome } from './types.js';

export type { DeliveryEngineOptions } from './options.js';

/** Where the engine is in its life; see docs/ARCHITECTURE.md. */
type EngineState = 'idle' | 'running' | 'draining' | 'drained' | 'closed';

/**
 * Sends signed webhook POSTs reliably: per-endpoint queues and concurrency,
 * retries with backoff, a circuit breaker, 410 handling, a bounded memory
 * backlog or a persistent store.
 * @example
 * const engine = new DeliveryEngine({ endpoints, userAgent: 'servo-webhooks/0.1', logger });
 * engine.start();
 * engine.enqueue({ webhook: 'audit', event: 'after:measure', body, contentType: 'application/json' });
 * await engine.drain();
 * await engine.close();
 */
export class DeliveryEngine {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly store: DeliveryStore;
  private readonly transport: Transport;
  private readonly logger: DeliveryLogger;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly settings: ResolvedSettings;
  private readonly scheduler: Scheduler;
  private readonly attempter: Attempter;
  private readonly reporter: Reporter;
  private readonly history: DeliveryHistory | undefined;
  private readonly enableWatch: EnableWatch;
  private readonly sendDeps: SendDeps;
  /** Cancellers of running `send()` calls (called by close). */
  private readonly sends = new Set<() => void>();
  private state: EngineState = 'idle';
  private readonly drainer: Drain;
  private readonly resumer: Resumer;

  constructor(options: DeliveryEngineOptions) {
    const clock = options.clock ?? { now: Date.now };
    this.now = () => clock.now();
    this.timers = timersFor(clock);
    this.logger = options.logger ?? silentLogger;
    this.settings = resolveSettings(options);
    this.store = options.store ?? new MemoryStore();
    this.transport = new Transport(transportOptions(options));
    this.attempter = new Attempter(this.transport, options.userAgent, this.now);
    this.history = options.history;
    this.reporter = new Reporter(this.logger, options.onAttempt, this.history, 'queued');
    const retry = { backoff: this.settings.backoff, floorMs: this.settings.retryFloorMs, random: options.random ?? Math.random };
    const disabled = (ep: Endpoint, d: Delivery): void => this.onDisabled(ep, d);
    this.scheduler = new Scheduler({
      attempter: this.attempter,
      reporter: this.reporter,
      setTimer: this.timers.background,
      now: this.now,
      concurrency: this.settings.concurrency,
      retry,
      active: () => this.state === 'running' || this.state === 'draining',
      closed: () => this.state === 'closed',
      progress: () => this.drainer.progress(),
      disabled,
      response: options.onResponse,
    });
    // A gate's caller awaits its send: waits between its attempts keep the process alive.
    const { attempter } = this;
    const reporter = this.history ? new Reporter(this.logger, options.onAttempt, this.history, 'gate') : this.reporter;
    this.sendDeps = { attempter, reporter, setTimer: this.timers.awaited, now: this.now, retry, running: this.sends, disabled };
    this.enableWatch = new EnableWatch(
      this.store,
      this.timers.background,
      () => [...this.endpoints.values()].filter((ep) => ep.disabled).map((ep) => ep.name),
      (name) => this.enable(name),
      (err) => this.storeFailed(err),
    );
    for (const ep of options.endpoints) {
      const backlog = createBacklog(this.store, {
        webhook: ep.name,
        maxQueue: this.settings.maxQueue,
        logger: this.logger,
        onDrop: (d) => this.dropped(d),
        onCommitAttempt: () => this.drainer.progress(),
      });
      this.endpoints.set(ep.name, new Endpoint(ep, backlog, this.settings.breaker, this.logger));
    }
    this.drainer = new Drain({
      endpoints: this.endpoints,
      store: this.store,
      logger: this.logger,
      now: this.now,
      setTimer: this.timers.awaited,
      busy: (ep) => this.scheduler.busy(ep),
      ended: () => {
        if (this.state === 'draining') this.state = 'drained';
        this.halt();
      },
    });
    this.resumer = new Resumer({
      store: this.store,
      endpoints: this.endpoints,
      logger: this.logger,
      now: this.now,
      setTimer: this.timers.background,
      schedule: (ep) => this.scheduler.schedule(ep),
      guard: (fn) => this.guardStore(fn),
      running: () => this.state === 'running',
    });
  }

  /**
   * Starts delivering. With `resume` (default) it also takes up what an
   * earlier run left in a persistent store, and re-enables endpoints a 410
   * disabled then. Idempotent; `enqueue` calls it (without resuming). A
   * short-lived process that shares the store with a running servo passes
   * `resume: false`, so it delivers only what it queues itself. A resuming
   * engine also looks again, every `rescanMs` of its backlogs, for deliveries
   * that other processes sharing the store released or left behind.
   */
  start(options: { resume?: boolean } = {}): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    if (options.resume !== false) this.resumer.resume();
  }

  /**
   * Queues a delivery and returns at once (never waits on the network). With a
   * persistent store the delivery is committed before this returns. A
   * draining engine still takes deliveries until its drain ends (e.g. a
   * response republished on a channel during the drain), within its timeout. An `id`
   * already held for the endpoint returns the held delivery. The returned
   * object is a snapshot: a delivery behind a long backlog may wait packed,
   * not as this object.
   * @throws {@link UnknownEndpointError}, {@link EngineClosedError}
   */
  enqueue(input: DeliveryInput): Delivery {
    if (this.state === 'idle') this.start({ resume: false });
    if (this.state !== 'running' && this.state !== 'draining') throw new EngineClosedError(this.state === 'closed' ? 'closed' : 'draining');
    const ep = this.endpoint(input.webhook);
    if (input.id !== undefined) {
      const held = ep.backlog.find(input.id);
      if (held) return held;
    }
    const now = this.now();
    const d = newDelivery(input, now);
    ep.backlog.add(d, now, ep.unhealthy(now));
    this.scheduler.schedule(ep);
    return d;
  }

  /**
   * Sends a dead or delivered message again: a new delivery with the same id
   * (a receiver that de-duplicates by id sees the same message), queued like
   * any other, whose attempts the history adds to the same delivery. Taken
   * from the dead-letter list (and off it) or else from the history's copy
   * of the body.
   * @throws {@link RedeliverError} (`WEBHOOK_REDELIVER_UNKNOWN`, `_BODY_GONE`,
   * `_GATE`, `_PENDING`), {@link UnknownEndpointError} (a webhook no longer
   * configured), {@link EngineClosedError}
   */
  redeliver(id: string): Delivery {
    const kept = this.history?.get(id);
    if (kept?.kind === 'gate') throw RedeliverError.gate(id, kept.webhook);
    for (const ep of this.endpoints.values()) if (ep.backlog.find(id)) throw RedeliverError.pending(id, ep.name);
    const dead = this.store.dead({ id, limit: 1 })[0];
    if (dead !== undefined) {
      const d = this.enqueue({ webhook: dead.webhook, event: dead.event, body: dead.body, contentType: dead.contentType, id });
      this.guardStore(() => this.store.removeDead(id));
      return d;
    }
    if (kept === undefined) throw RedeliverError.unknown(id);
    // Another process may hold it (retrying, or held while disabled): a shared store says so through the history.
    if (kept.outcome === 'retrying' || kept.outcome === 'gone') throw RedeliverError.pending(id, kept.webhook);
    if (kept.body === undefined) throw RedeliverError.bodyGone(id);
    return this.enqueue({ webhook: kept.webhook, event: kept.event, body: kept.body, contentType: kept.contentType, id });
  }

  /**
   * Sends now, outside the queues (for `before` gates that wait for the
   * answer): retries per the endpoint's policy, but never past `deadlineMs`
   * in total. Fails fast when the endpoint is disabled or its circuit open.
   * Resolves `{ ok: true, response }` on a 2xx, else `{ ok: false, error }`
   * (with the last `response` when there was one). Never rejects, except
   * for an unknown endpoint name.
   */
  async send(input: DeliveryInput, opts: { deadlineMs: number; signal?: AbortSignal }): Promise<SendOutcome> {
    const ep = this.endpoint(input.webhook);
    if (this.state === 'closed') return { ok: false, error: new EngineClosedError('closed'), attempts: 0 };
    if (ep.disabled) return { ok: false, error: new EndpointDisabledError(ep.name), attempts: 0 };
    return sendNow(this.sendDeps, ep, newDelivery(input, this.now()), opts);
  }

  /**
   * Stops taking new deliveries and waits up to `timeoutMs` for the backlogs
   * to empty. Returns early once nothing left can complete before the
   * timeout (retries due later, open circuits, disabled endpoints). Attempts
   * still in flight at the timeout are aborted and stay pending; with a
   * persistent store everything pending is resumed by the next `start()`.
   * Logs and returns the totals.
   */
  drain(timeoutMs: number = this.settings.drainTimeoutMs): Promise<DrainSummary> {
    if (this.state === 'idle') this.state = 'running';
    if (this.state === 'running') this.state = 'draining';
    return this.drainer.run(timeoutMs, this.state === 'draining');
  }

  /**
   * Keeps a drain from ending before `work` settles (within the drain's
   * timeout): work started by a delivery's answer that may enqueue more,
   * such as publishing the answer on a channel other webhooks subscribe to.
   */
  track(work: Promise<unknown>): void {
    this.drainer.track(work);
  }

  /** Counters and state per endpoint. */
  stats(): Record<string, EndpointStats> {
    const out: Record<string, EndpointStats> = {};
    for (const [name, s] of Object.entries(this.snapshot().endpoints)) {
      const { delivered, retried, failed, dropped, dead, queueDepth, circuit, disabled } = s;
      out[name] = { delivered, retried, failed, dropped, dead, queueDepth, circuit, disabled };
    }
    return out;
  }

  /**
   * What metrics read when scraped, with one store query: each endpoint's
   * stats, and its pending and dead counts, store-wide for a persistent store
   * (every process sharing the file), this process's otherwise.
   */
  snapshot(): { persistent: boolean; endpoints: Record<string, EndpointSnapshot> } {
    const now = this.now();
    const counts = this.state !== 'closed' ? this.guardStore(() => this.store.counts()) : undefined;
    const endpoints: Record<string, EndpointSnapshot> = {};
    for (const [name, ep] of this.endpoints) endpoints[name] = endpointSnapshot(ep, counts, now);
    return { persistent: this.store.persistent, endpoints };
  }

  /** Why the store cannot record writes now (a full disk, an I/O error), or undefined while it can (for `/readyz`). */
  storeProblem(): string | undefined {
    if (this.state === 'closed') return undefined;
    return this.guardStore(() => this.store.writeFailure?.())?.message;
  }

  /** Dead-letter entries from the store, newest first. */
  deadLetters(query: { webhook?: string; limit?: number } = {}): DeadDelivery[] {
    return this.store.dead(query);
  }

  /** Re-enables an endpoint disabled by a 410 (and closes its circuit); its held deliveries are sent again. */
  enable(name: string): void {
    const ep = this.endpoint(name);
    if (ep.enable()) {
      this.guardStore(() => this.store.setDisabled(name, null, this.now()));
      this.logger.info({ webhook: name }, 'webhook endpoint enabled');
    }
    this.scheduler.schedule(ep);
  }

  /**
   * Stops at once: aborts in-flight attempts (they stay pending), closes all
   * connections and the store. Call `drain()` first for a graceful stop.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.drainer.end();
    this.state = 'closed';
    this.halt();
    for (const cancel of this.sends) cancel();
    await this.transport.destroy();
    // Before the store: a history kept in its file commits with the store's last batch.
    this.guardStore(() => this.history?.close());
    this.guardStore(() => this.store.close());
  }

  private endpoint(name: string): Endpoint {
    const ep = this.endpoints.get(name);
    if (!ep) throw new UnknownEndpointError(name, [...this.endpoints.keys()]);
    return ep;
  }

  /** A 410 disabled `ep`: recorded in the store (where `servo webhooks enable` clears it) and watched. */
  private onDisabled(ep: Endpoint, d: Delivery): void {
    this.guardStore(() => this.store.setDisabled(ep.name, `410 Gone (delivery ${d.id})`, this.now()));
    this.enableWatch.start();
  }

  private dropped(d: Delivery): void {
    const ep = this.endpoints.get(d.webhook)!;
    ep.counters.dropped++;
    const line = { webhook: d.webhook, event: d.event, id: d.id, max_queue: this.settings.maxQueue, dropped: ep.counters.dropped };
    this.logger.warn(line, 'webhook delivery dropped: queue full');
  }

  private halt(): void {
    this.resumer.stop();
    this.enableWatch.stop();
    this.scheduler.stop(this.endpoints.values());
  }

  /** Runs a store call whose failure must not stop delivery; logs it. */
  private guardStore<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.storeFailed(err);
      return undefined;
    }
  }

  private storeFailed(err: unknown): void {
    this.logger.error({ error: errorText(err as Error) }, 'webhook store call failed');
  }
}
