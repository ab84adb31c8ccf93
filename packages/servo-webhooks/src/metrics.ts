/**
 * The webhooks connector's metrics and readiness, registered through the
 * core's `observe` hook (only when `servo run` serves its HTTP endpoint).
 * Totals the engine keeps anyway (deliveries, pending, dead, circuit) are
 * read when `/metrics` is scraped; attempts reach the registry through the
 * engine's `onAttempt` callback, set only when observed: delivery pays
 * nothing for metrics that are off. Labels are webhook names, outcomes and
 * result classes: never a URL, header, secret or body.
 * @module
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GaugeSetter, MetricLabels, Observability, ObservedCounter, ObservedHistogram } from 'servo-core';
import type { WebhooksConfig } from './config/index.js';
import type { DeliveryEngine } from './delivery/engine.js';
import type { EndpointSnapshot } from './delivery/stats.js';
import type { Attempt } from './delivery/types.js';
import type { GateDecision } from './gate/index.js';

/** How a gate's answer ended for the event. */
export type GateClass = 'allow' | 'cancel' | 'failed-open' | 'failed-closed';

/** An attempt's result class: the status class, or why there was no answer. */
export function resultClass(a: Pick<Attempt, 'status' | 'error' | 'outcome'>): string {
  if (a.status !== undefined) {
    if (a.status >= 300 && a.status < 400) return 'redirect';
    return a.status >= 200 && a.status < 300 ? '2xx' : a.status < 500 ? '4xx' : '5xx';
  }
  return a.error?.startsWith('WEBHOOK_TIMEOUT') ? 'timeout' : 'network';
}

/**
 * Seconds buckets of one attempt's latency, 10 ms to 5 s (the default timeout is 10 s): few, because every
 * webhook has its own series and a scrape formats them all (100 webhooks: bench/observe.mjs).
 */
const LATENCY_BUCKETS = [0.01, 0.05, 0.25, 1, 5];

/** The value of `servo_webhook_circuit_state` per breaker state. */
const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The labels of a webhook's collected series. */
type SeriesLabels = Record<'webhook' | 'delivered' | 'retried' | 'dead' | 'dropped' | 'disabled' | 'store' | 'process', MetricLabels>;

/** One connector instance's metrics. */
export class WebhookMetrics {
  readonly #attempts: ObservedCounter;
  readonly #latency: ObservedHistogram;
  readonly #gates: ObservedCounter;
  /** Deliveries that met a 410 (their endpoint disabled), per webhook. */
  readonly #gone = new Map<string, number>();
  /** Each webhook's series, resolved on its first attempt (no label hashing per attempt). */
  readonly #series = new Map<string, { latency: { observe(v: number): void }; results: Map<string, { inc(): void }> }>();
  /** Passed to the engine as `onAttempt`. */
  readonly onAttempt = (a: Attempt): void => {
    const webhook = a.webhook;
    let s = this.#series.get(webhook);
    if (!s) {
      s = { latency: this.#latency.child({ webhook }), results: new Map() };
      this.#series.set(webhook, s);
    }
    const result = resultClass(a);
    let counter = s.results.get(result);
    if (!counter) {
      counter = this.#attempts.child({ webhook, result });
      s.results.set(result, counter);
    }
    counter.inc();
    s.latency.observe(a.durationMs / 1000);
    if (a.outcome === 'gone') this.#gone.set(webhook, (this.#gone.get(webhook) ?? 0) + 1);
  };

  constructor(o: Observability, instance: string, config: WebhooksConfig, engine: () => DeliveryEngine | undefined) {
    this.#attempts = o.counter({
      name: 'servo_webhook_attempts_total',
      help: 'Delivery attempts by webhook and result (2xx, 4xx, 5xx, redirect, timeout, network)',
      labelNames: ['webhook', 'result'],
    });
    this.#latency = o.histogram({
      name: 'servo_webhook_attempt_duration_seconds',
      help: 'Latency of one delivery attempt, to the end of the answer',
      labelNames: ['webhook'],
      buckets: LATENCY_BUCKETS,
    });
    this.#gates = o.counter({
      name: 'servo_webhook_gate_decisions_total',
      help: 'Before-webhook decisions: allow, cancel, failed-open (failure_policy ignore), failed-closed (failure_policy fail)',
      labelNames: ['webhook', 'decision'],
    });
    // Each series' labels are one object kept for the webhook: the registry formats a labels object's text once.
    const labels = new Map<string, SeriesLabels>();
    const labelsOf = (webhook: string): SeriesLabels => {
      let l = labels.get(webhook);
      if (!l) {
        l = {
          webhook: { webhook },
          delivered: { webhook, outcome: 'delivered' },
          retried: { webhook, outcome: 'retried' },
          dead: { webhook, outcome: 'dead' },
          dropped: { webhook, outcome: 'dropped' },
          disabled: { webhook, outcome: 'disabled' },
          store: { webhook, scope: 'store' },
          process: { webhook, scope: 'process' },
        };
        labels.set(webhook, l);
      }
      return l;
    };
    const scopeOf = (snap: ReturnType<DeliveryEngine['snapshot']>) => (snap.persistent ? 'store' : 'process');
    // One snapshot per scrape: the registry collects every metric in one synchronous pass.
    let snapshot: ReturnType<DeliveryEngine['snapshot']> | undefined;
    const each = (fn: (set: GaugeSetter, snap: ReturnType<DeliveryEngine['snapshot']>) => void) => (set: GaugeSetter) => {
      if (!snapshot) {
        snapshot = engine()?.snapshot();
        queueMicrotask(() => {
          snapshot = undefined;
        });
      }
      if (snapshot) fn(set, snapshot);
    };
    o.counter({
      name: 'servo_webhook_deliveries_total',
      help: 'Deliveries by webhook and outcome in this process: delivered, retried (attempts followed by a retry), dead, dropped (memory queue full), disabled (met a 410 Gone)',
      labelNames: ['webhook', 'outcome'],
      collect: each((set, snap) => {
        for (const webhook in snap.endpoints) {
          const s = snap.endpoints[webhook] as EndpointSnapshot;
          const l = labelsOf(webhook);
          set(l.delivered, s.delivered);
          set(l.retried, s.retried);
          set(l.dead, s.dead);
          set(l.dropped, s.dropped);
          set(l.disabled, this.#gone.get(webhook) ?? 0);
        }
      }),
    });
    o.gauge({
      name: 'servo_webhook_pending',
      help: 'Deliveries waiting to be delivered; scope "store": counted in the shared sqlite store (every process using it), "process": this process',
      labelNames: ['webhook', 'scope'],
      collect: each((set, snap) => {
        for (const webhook in snap.endpoints) set(labelsOf(webhook)[scopeOf(snap)], (snap.endpoints[webhook] as EndpointSnapshot).queueDepth);
      }),
    });
    o.gauge({
      name: 'servo_webhook_dead',
      help: 'Dead-lettered deliveries kept (servo webhooks dead); scope "store": the shared sqlite store, "process": this process',
      labelNames: ['webhook', 'scope'],
      collect: each((set, snap) => {
        for (const webhook in snap.endpoints) set(labelsOf(webhook)[scopeOf(snap)], (snap.endpoints[webhook] as EndpointSnapshot).deadStored);
      }),
    });
    o.gauge({
      name: 'servo_webhook_circuit_state',
      help: 'Circuit breaker of a webhook: 0 closed (deliveries flow), 1 half-open (one probe), 2 open (deliveries wait)',
      labelNames: ['webhook'],
      collect: each((set, snap) => {
        for (const webhook in snap.endpoints) set(labelsOf(webhook).webhook, CIRCUIT_VALUE[(snap.endpoints[webhook] as EndpointSnapshot).circuit]);
      }),
    });
    o.gauge({
      name: 'servo_webhook_disabled',
      help: '1 while a webhook is disabled by a 410 Gone (until servo webhooks enable NAME)',
      labelNames: ['webhook'],
      collect: each((set, snap) => {
        for (const webhook in snap.endpoints) set(labelsOf(webhook).webhook, (snap.endpoints[webhook] as EndpointSnapshot).disabled ? 1 : 0);
      }),
    });
    const store = config.settings.store;
    // Writable: the file's permissions, and its last writes committed (a full disk passes the first alone).
    o.readiness(`${instance}.store`, () => {
      const e = engine();
      if (!e) return { ok: false, detail: 'the delivery engine has not started' };
      if (store.kind !== 'sqlite') return { ok: true, detail: 'memory' };
      const target = existsSync(store.file) ? store.file : dirname(store.file);
      try {
        accessSync(target, constants.W_OK);
      } catch {
        return { ok: false, detail: 'the sqlite store is not writable' };
      }
      const problem = e.storeProblem();
      return problem === undefined ? { ok: true, detail: 'sqlite' } : { ok: false, detail: `the sqlite store cannot record writes: ${problem}` };
    });
  }

  /** Counts a before-webhook's decision; `answered`: the webhook answered 2xx. */
  gate(webhook: string, answered: boolean, decision: GateDecision): void {
    const cls: GateClass =
      decision.action === 'proceed' ? 'allow' : decision.action === 'proceed-after-failure' ? 'failed-open' : answered ? 'cancel' : 'failed-closed';
    this.#gates.inc({ webhook, decision: cls });
  }
}
