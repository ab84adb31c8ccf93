import {
  ConfigError,
  ConfigErrors,
  EventCancelledError,
  Message,
  type ConnectorContext,
  type EventResult,
  type Logger,
  type Observability,
  type Subscription,
} from 'servo-core';
import { announce, leftPending } from './announce.js';
import type { WebhookConfig, WebhooksConfig } from './config/index.js';
import type { DeliveryEngine } from './delivery/engine.js';
import { newMessageId } from './delivery/id.js';
import { WebhookStoreError } from './errors.js';
import { storePathProblem } from './delivery/store-path.js';
import type { DrainSummary, EndpointStats, SendOutcome, WebhookResponse } from './delivery/types.js';
import type { DeliveryHistory } from './history/types.js';
import { decide } from './gate/index.js';
import { afterMatch, gateMatch, messageMatch } from './gate/match.js';
import { WebhookMetrics } from './metrics.js';
import { deliveriesPage } from './page/index.js';
import { EventBodies } from './payload/body.js';
import { contentTypeOf } from './payload/content-type.js';
import { UncommittedDeliveries } from './uncommitted.js';
import { nextTrace, refusal, TraceBook, traceOf } from './trace.js';

/** SQLite files in use in this process, and the connector instance using each. */
const storeOwners = new Map<string, string>();

/** A new message for `webhook`: a fresh id and its body. */
function message(bodies: EventBodies, webhook: WebhookConfig): { id: string; body: Uint8Array } {
  const id = newMessageId(Date.now());
  return { id, body: bodies.build(id, webhook.name, webhook.wire) };
}

/**
 * The webhooks of one connector instance at work: it attaches before/after
 * handlers for the configured events, subscribes to channels, and hands
 * bodies to one shared delivery engine (created on first use, so commands
 * that send nothing never load the HTTP client).
 */
export class WebhooksEmitter {
  readonly #ctx: ConnectorContext<WebhooksConfig>;
  readonly #log: Logger;
  readonly #byName: Map<string, WebhookConfig>;
  #engine: Promise<DeliveryEngine> | undefined;
  /** The engine once created (its answers' republishing is tracked by its drain). */
  #live: DeliveryEngine | undefined;
  #subscriptions: Subscription[] = [];
  /** `close()` was called: drains, still taking channel messages. */
  #closing = false;
  /** The drain ended: channel messages are no longer taken. */
  #closed = false;
  #storePath: string | undefined;
  /** Deliveries the store did not take: the command ends with an error naming them. */
  readonly #uncommitted = new UncommittedDeliveries();
  /** Where each channel delivery's message had been, for the trace of its response. */
  readonly #traces = new TraceBook();
  #refusalsLogged = 0;
  /** Set by `observe()` (servo run's HTTP endpoint); otherwise delivery reports to no metric. */
  #metrics: WebhookMetrics | undefined;
  #history: DeliveryHistory | undefined;

  constructor(ctx: ConnectorContext<WebhooksConfig>) {
    this.#ctx = ctx;
    this.#log = ctx.logger;
    this.#byName = new Map(ctx.config.webhooks.map((w) => [w.name, w]));
    const store = ctx.config.settings.store;
    if (store.kind === 'sqlite') {
      // Rows are keyed by webhook name: two instances in one file would send each other's deliveries.
      const owner = storeOwners.get(store.file);
      if (owner !== undefined && owner !== ctx.name) {
        throw new ConfigErrors([
          new ConfigError(`connectors "${owner}" and "${ctx.name}" both use the store ${store.file}`, {
            file: ctx.servo.configFile,
            path: `${ctx.name}.store`,
            hint: 'give each webhooks connector its own sqlite file',
          }),
        ]);
      }
      const problem = storePathProblem(store.file);
      if (problem) throw this.#storeError(`webhook store ${store.file} ${problem}`);
      storeOwners.set(store.file, ctx.name);
      this.#storePath = store.file;
    }
  }

  /** The configured webhooks. */
  get webhooks(): readonly WebhookConfig[] {
    return this.#ctx.config.webhooks;
  }

  /** Attaches handlers and subscriptions. */
  attach(): void {
    const ctx = this.#ctx;
    const groups = new Map<string, WebhookConfig[]>();
    for (const w of ctx.config.webhooks) {
      for (const e of w.events) {
        const key = `${e.preposition}:${e.event}`;
        groups.set(key, [...(groups.get(key) ?? []), w]);
      }
    }
    for (const [key, hooks] of groups) {
      const [preposition, event] = key.split(':') as ['before' | 'after', string];
      if (preposition === 'before') ctx.before(event, (params, hctx) => this.#gate(event, params, hooks, hctx.signal));
      else ctx.after(event, (results, hctx) => this.#queueAfter(event, hctx.params, results, hooks));
    }
    for (const w of ctx.config.webhooks) {
      for (const selector of w.channels) {
        this.#subscriptions.push(
          ctx.servo.exchange.subscribe(selector, (message, channel) => {
            const queued = this.#queueMessage(w, channel, message);
            this.#live?.track(queued); // a drain under way includes it
            return queued;
          }),
        );
      }
    }
  }

  /**
   * The connector's start hook: a running servo (servo run) resumes what a
   * sqlite store kept from earlier runs, before the servo's first event can
   * queue anything new. One-shot commands never start the servo: they deliver
   * only what they queue, and leave the backlog to the running servo.
   */
  async start(): Promise<void> {
    let engine: DeliveryEngine;
    try {
      engine = await this.engine({ resume: true });
    } catch (err) {
      // A servo that cannot keep its deliveries does not start (a configuration problem: exit 2).
      throw this.#storeError((err as Error).message);
    }
    // What this servo serves, said once at start: the webhooks and the backlog it resumes.
    announce(
      this.#log,
      this.#ctx.config,
      Object.values(engine.stats()).reduce((n, s) => n + s.queueDepth, 0),
    );
  }

  /** A located configuration error about the store setting. */
  #storeError(message: string): ConfigErrors {
    return new ConfigErrors([
      new ConfigError(message, {
        file: this.#ctx.servo.configFile,
        path: `${this.#ctx.name}.store`,
        hint: 'point store: sqlite:PATH at a file in a folder this user can write, on a disk with room, or use store: memory',
      }),
    ]);
  }

  /**
   * The delivery engine, created and started on first use. Only the first
   * call's `resume` counts: whether a sqlite backlog from earlier runs is resumed.
   */
  engine(options: { resume?: boolean } = {}): Promise<DeliveryEngine> {
    return (this.#engine ??= this.#createEngine(options.resume === true));
  }

  /** Registers this instance's metrics and readiness (before the engine exists: `start()` comes after). */
  observe(o: Observability): void {
    this.#metrics = new WebhookMetrics(o, this.#ctx.name, this.#ctx.config, () => this.#live);
    o.page(deliveriesPage({ name: this.#ctx.name, webhooks: this.webhooks, engine: () => this.#live, history: () => this.#history }));
  }

  /**
   * The recent deliveries, for the deliveries page: set once the engine
   * exists (`start()`), when the HTTP endpoint is on and `history` is not false.
   */
  get history(): DeliveryHistory | undefined {
    return this.#history;
  }

  /** Counters per webhook (empty until the engine has started). */
  async stats(): Promise<Record<string, EndpointStats>> {
    return this.#engine ? (await this.#engine).stats() : {};
  }

  /**
   * Sends one signed request now and waits for the answer (used by gates and
   * by `servo webhooks trigger`).
   */
  async send(webhook: WebhookConfig, event: string, body: Uint8Array, id: string, deadlineMs = webhook.deadlineMs, signal?: AbortSignal): Promise<SendOutcome> {
    const engine = await this.engine();
    const contentType = contentTypeOf(webhook.wire);
    return engine.send({ webhook: webhook.name, event, body, contentType, id }, { deadlineMs, ...(signal ? { signal } : {}) });
  }

  /**
   * Readiness check: a signed `ping` POST. Any answer below 500 other than
   * 404/410 shows the receiver is there; throws otherwise.
   */
  async ping(webhook: WebhookConfig): Promise<string> {
    // `results: []`, so receivers that iterate the results read ping too.
    const { id, body } = this.body(webhook, 'ping', {}, []);
    const outcome = await this.send(webhook, 'ping', body, id, Math.min(webhook.deadlineMs, webhook.timeoutMs));
    const status = outcome.response?.status;
    if (status !== undefined && status < 500 && status !== 404 && status !== 410) {
      return `HTTP ${status} in ${Math.round(outcome.response!.durationMs)} ms`;
    }
    const err = new Error(status !== undefined ? `HTTP ${status}` : outcome.ok ? 'no answer' : outcome.error.message) as Error & { hint: string };
    err.hint = `is a receiver listening at the webhook's URL? try: servo webhooks trigger ping ${webhook.name}`;
    throw err;
  }

  /** Builds the request body of `event` (e.g. `after:measure`) for one webhook. */
  body(webhook: WebhookConfig, event: string, params: unknown, results?: readonly EventResult[]): { id: string; body: Uint8Array } {
    return message(this.#bodies(event, params, results), webhook);
  }

  /** The bodies of one `event` for any number of webhooks: params and results are serialised once. */
  #bodies(event: string, params: unknown, results?: readonly EventResult[]): EventBodies {
    return new EventBodies({ event, createdAt: new Date(), servo: this.#ctx.servo.name, params, ...(results ? { results } : {}) });
  }

  /** Stops taking deliveries, drains within `drain_timeout`, reports what is left. */
  async close(): Promise<DrainSummary | undefined> {
    if (this.#closing) return undefined;
    this.#closing = true;
    if (this.#storePath) storeOwners.delete(this.#storePath);
    const failed = (): Error | undefined => this.#uncommitted.error(this.#storePath ?? 'memory');
    // Subscriptions stay until the drain ends: what is published meanwhile (a
    // webhook's answer on a response_channel) is part of the drain.
    const engine = await this.#engine?.catch(() => undefined);
    const stopTaking = (): void => {
      this.#closed = true;
      for (const s of this.#subscriptions) s.cancel();
    };
    if (!engine) {
      stopTaking();
      const err = failed();
      if (err) throw err;
      return undefined;
    }
    const summary = await engine.drain(this.#ctx.config.settings.drainTimeoutMs);
    stopTaking();
    await engine.close();
    const err = failed();
    if (err) throw err;
    leftPending(this.#log, this.#ctx.config, summary.pending);
    if (summary.lost.length > 0) {
      // Say it where the operator looks, not only in the JSON log.
      const more = summary.pending > summary.lost.length ? ` (and ${summary.pending - summary.lost.length} more)` : '';
      this.#log.warn(
        { lost: summary.lost.map((l) => `${l.webhook} ${l.event} ${l.id}`) },
        `${summary.pending} webhook deliver${summary.pending === 1 ? 'y was' : 'ies were'} not delivered within drain_timeout${more}; use store: sqlite:PATH to keep them`,
      );
    }
    return summary;
  }

  async #gate(event: string, params: unknown, hooks: readonly WebhookConfig[], signal: AbortSignal): Promise<void> {
    const name = `before:${event}`;
    const bodies = this.#bodies(name, params);
    const decisions = await Promise.all(
      hooks.map(async (w) => {
        const { id, body } = message(bodies, w);
        if (w.match) {
          const m = gateMatch(w, name, body, this.#log);
          if (!m.send) return { w, decision: m.decision };
        }
        const outcome = await this.send(w, name, body, id, w.deadlineMs, signal);
        if (outcome.ok) this.#onResponse(w.name, name, id, outcome.response);
        const decision = decide(w, outcome);
        this.#metrics?.gate(w.name, outcome.ok, decision);
        return { w, decision };
      }),
    );
    for (const { w, decision } of decisions) {
      if (decision.action === 'proceed-after-failure') {
        this.#log.warn({ webhook: w.name, event: name, failure: decision.failure }, 'before-webhook failed; event proceeds (failure_policy: ignore)');
      } else if (decision.action === 'proceed' && decision.warning) {
        this.#log.warn({ webhook: w.name, event: name, status: decision.status }, `before-webhook "${w.name}": ${decision.warning}`);
      }
    }
    // The first cancelling webhook in configuration order wins.
    for (const { w, decision } of decisions) {
      if (decision.action === 'cancel') throw new EventCancelledError(decision.reason, { source: `webhook "${w.name}"` });
    }
  }

  async #queueAfter(event: string, params: unknown, results: readonly EventResult[], hooks: readonly WebhookConfig[]): Promise<void> {
    const name = `after:${event}`;
    const engine = await this.engine().catch((err: unknown) => {
      for (const w of hooks) this.#uncommitted.record(w.name, name, undefined, err);
    });
    if (!engine) return;
    const bodies = this.#bodies(name, params, results);
    for (const w of hooks) {
      const { id, body } = message(bodies, w);
      if (w.match && !afterMatch(w, name, body, this.#log)) continue;
      try {
        engine.enqueue({ webhook: w.name, event: name, body, contentType: contentTypeOf(w.wire), id });
      } catch (err) {
        this.#uncommitted.record(w.name, name, id, err);
      }
    }
  }

  async #queueMessage(w: WebhookConfig, channel: string, message: Message): Promise<void> {
    if (this.#closed) return;
    const trace = traceOf(message);
    const refused = refusal(trace, this.#traceName(w));
    if (refused) {
      // A response_channel loop (or a channel fed back by another connector): never re-post, never storm.
      if (this.#refusalsLogged++ < 10)
        this.#log.warn({ webhook: w.name, channel }, `message on channel "${channel}" not posted to webhook "${w.name}": ${refused}`);
      return;
    }
    // A delivery the store refuses is recorded like an after-event's: the command ends naming the error and the delivery.
    if (w.match && !messageMatch(w, channel, message, this.#log)) return;
    const event = `channel:${channel}`;
    let engine: DeliveryEngine;
    try {
      engine = await this.engine();
    } catch (err) {
      this.#uncommitted.record(w.name, event, undefined, err);
      return;
    }
    if (this.#closed) return;
    try {
      const d = engine.enqueue({ webhook: w.name, event, body: message.content, contentType: message.contentType });
      if (w.responseChannel) this.#traces.set(d.id, trace);
    } catch (err) {
      if (err instanceof WebhookStoreError) this.#uncommitted.record(w.name, event, undefined, err);
      else this.#log.warn({ webhook: w.name, channel, err: (err as Error).message }, `message on channel "${channel}" not posted to webhook "${w.name}"`);
    }
  }

  /** A webhook's name in message traces: unique across connector instances. */
  #traceName(w: WebhookConfig): string {
    return `${this.#ctx.name}:${w.name}`;
  }

  #onResponse(webhookName: string, event: string, id: string, response: WebhookResponse): void {
    const w = this.#byName.get(webhookName);
    if (!w?.responseChannel || response.body.byteLength === 0 || response.status < 200 || response.status > 299) return;
    if (response.truncated) {
      // Only whole bodies are published: a cut one would pass for complete (and for valid JSON).
      const { bodyCap } = this.#ctx.config.settings;
      this.#log.warn(
        { webhook: w.name, channel: w.responseChannel, delivery: id, size: `more than ${bodyCap} bytes`, body_cap: bodyCap },
        `response of webhook "${w.name}" is larger than body_cap (${bodyCap} bytes): not published on "${w.responseChannel}"`,
      );
      return;
    }
    const message = new Message({
      content: response.body,
      contentType: response.headers['content-type'] ?? 'application/octet-stream',
      metadata: { webhook: w.name, event, delivery: id, status: String(response.status), ...nextTrace(this.#traces.take(id), this.#traceName(w)) },
    });
    const published = this.#ctx.servo.exchange.publish(w.responseChannel, message).catch((err: Error) => {
      this.#log.warn({ webhook: w.name, channel: w.responseChannel, err: err.message }, 'could not publish webhook response');
    });
    this.#live?.track(published); // the webhooks it reaches are part of a drain under way
  }

  #storeFailed(err: Error): void {
    const { store } = this.#ctx.config.settings;
    this.#log.error({ store: store.kind === 'sqlite' ? store.file : 'memory', err: err.message }, 'webhook store write failed');
  }

  async #createEngine(resume: boolean): Promise<DeliveryEngine> {
    const { settings, webhooks } = this.#ctx.config;
    const { createEngine } = await import('./create-engine.js');
    const { engine, history } = await createEngine({
      settings,
      webhooks,
      // Kept only for the deliveries page: the HTTP endpoint is on (observe() was called).
      history: this.#metrics !== undefined && settings.history !== false,
      storeFailed: (err) => this.#storeFailed(err),
      options: {
        logger: this.#log,
        onResponse: (d, r) => this.#onResponse(d.webhook, d.event, d.id, r),
        ...(this.#metrics ? { onAttempt: this.#metrics.onAttempt } : {}),
      },
    });
    engine.start({ resume });
    this.#history = history;
    this.#live = engine;
    return engine;
  }
}
