import { silentLogger, type Logger } from '../logging.js';
import { ExchangeStoppedError } from './errors.js';
import type { Exchange, Subscriber, Subscription } from './exchange.js';
import type { Message } from './message.js';
import { assertChannelName, compileSelector, type ChannelSelector } from './selector.js';

/** Options of {@link MemoryExchange}. */
export interface MemoryExchangeOptions {
  /** Where subscriber failures are logged; default silent. */
  logger?: Logger;
  /** Most messages kept while not started; older ones are dropped (with a warning) beyond it. Default 1000. */
  maxQueued?: number;
}

interface Entry {
  readonly selector: ChannelSelector;
  readonly subscriber: Subscriber;
}

// Bound on the per-channel match cache; a servo uses a handful of channels.
const MATCH_CACHE_LIMIT = 1024;

/**
 * An in-process {@link Exchange}.
 *
 * - Subscribers of a channel run concurrently; `publish()` resolves when all have settled.
 * - A subscriber's error (thrown or rejected) is logged and never reaches the
 *   publisher or the other subscribers.
 * - Before `start()`, messages are queued (up to `maxQueued`) and `publish()`
 *   resolves at once; `start()` delivers them in order, to the subscriptions of that moment.
 * - After `stop()`, `publish()` rejects with {@link ExchangeStoppedError};
 *   `stop()` waits for deliveries in flight. `start()` may run again after `stop()`.
 */
export class MemoryExchange implements Exchange {
  readonly #logger: Logger;
  readonly #maxQueued: number;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #entries: Entry[] = [];
  readonly #channels = new Set<string>();
  readonly #queue: { channel: string; message: Message }[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  // channel -> matching entries; cleared whenever the subscriptions change.
  readonly #matchCache = new Map<string, readonly Entry[]>();

  constructor(options: MemoryExchangeOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#maxQueued = options.maxQueued ?? 1000;
  }

  /** `idle` before the first `start()`, then `running` or `stopped`. */
  get state(): 'idle' | 'running' | 'stopped' {
    return this.#state;
  }

  /**
   * Publishes `message` on `channel`.
   * @throws InvalidChannelError for a bad channel name; ExchangeStoppedError after `stop()`.
   */
  publish(channel: string, message: Message): Promise<void> {
    try {
      assertChannelName(channel);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#state === 'stopped') return Promise.reject(new ExchangeStoppedError(channel));
    this.#channels.add(channel);
    if (this.#state === 'idle') {
      this.#queue.push({ channel, message });
      if (this.#queue.length > this.#maxQueued) {
        const dropped = this.#queue.shift()!;
        this.#logger.warn({ channel: dropped.channel, maxQueued: this.#maxQueued }, 'exchange not started: queue full, oldest message dropped');
      }
      return Promise.resolve();
    }
    return this.#track(this.#deliver(channel, message));
  }

  /**
   * Subscribes `subscriber` to the channels `selector` selects (exact name, glob or `/regex/`).
   * The selector is compiled here, once.
   * @throws InvalidSelectorError / InvalidChannelError for a bad selector.
   */
  subscribe(selector: string, subscriber: Subscriber): Subscription {
    if (typeof subscriber !== 'function') throw new TypeError('subscriber must be a function');
    const compiled = compileSelector(selector);
    const entry: Entry = { selector: compiled, subscriber };
    if (compiled.kind === 'exact') this.#channels.add(selector);
    // Copy on write: a delivery in progress keeps iterating its own snapshot.
    this.#entries = [...this.#entries, entry];
    this.#matchCache.clear();
    let active = true;
    return {
      selector,
      cancel: () => {
        if (!active) return;
        active = false;
        this.#entries = this.#entries.filter((e) => e !== entry);
        this.#matchCache.clear();
      },
    };
  }

  /** Channel names published to or subscribed to by exact name, in first-seen order. */
  channels(): string[] {
    return [...this.#channels];
  }

  /** Starts delivering; queued messages are delivered in publish order. */
  start(): void {
    if (this.#state === 'running') return;
    this.#state = 'running';
    if (this.#queue.length > 0) {
      const queued = this.#queue.splice(0);
      void this.#track(
        (async () => {
          for (const { channel, message } of queued) await this.#deliver(channel, message);
        })(),
      );
    }
  }

  /** Stops accepting messages and waits for deliveries in flight. Queued, undelivered messages are dropped. */
  async stop(): Promise<void> {
    if (this.#state === 'idle' && this.#queue.length > 0) {
      this.#logger.warn({ dropped: this.#queue.length }, 'exchange stopped before start: queued messages dropped');
      this.#queue.length = 0;
    }
    this.#state = 'stopped';
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #track(delivery: Promise<void>): Promise<void> {
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
    return delivery;
  }

  #matching(channel: string): readonly Entry[] {
    let matched = this.#matchCache.get(channel);
    if (!matched) {
      matched = this.#entries.filter((e) => e.selector.matches(channel));
      if (this.#matchCache.size >= MATCH_CACHE_LIMIT) this.#matchCache.clear();
      this.#matchCache.set(channel, matched);
    }
    return matched;
  }

  // Never rejects: each subscriber's failure is logged.
  async #deliver(channel: string, message: Message): Promise<void> {
    const entries = this.#matching(channel);
    if (entries.length === 0) return;
    if (entries.length === 1) return this.#call(entries[0]!, channel, message);
    await Promise.all(entries.map((e) => this.#call(e, channel, message)));
  }

  async #call(entry: Entry, channel: string, message: Message): Promise<void> {
    try {
      await entry.subscriber(message, channel);
    } catch (err) {
      this.#logger.error({ err, channel, selector: entry.selector.source }, 'subscriber failed');
    }
  }
}

/** Creates the in-process exchange of a servo. */
export function createExchange(options: MemoryExchangeOptions = {}): MemoryExchange {
  return new MemoryExchange(options);
}
