// CONTRACT (implemented by the pubsub module): see message.ts, selector.ts.
import type { Message } from './message.js';

/** Receives messages published on matching channels. */
export type Subscriber = (message: Message, channel: string) => void | Promise<void>;

/** A subscription; `cancel()` stops delivery to it. */
export interface Subscription {
  readonly selector: string;
  cancel(): void;
}

/**
 * The pub/sub exchange of one servo: named channels, published messages,
 * subscribers that select channels by exact name, glob (`metrics.*`) or
 * `/regex/`.
 */
export interface Exchange {
  /** Publishes `message` on `channel` to every matching subscriber. Resolves when all have run. */
  publish(channel: string, message: Message): Promise<void>;
  /** Subscribes to channels selected by exact name, glob or `/regex/`. */
  subscribe(selector: string, subscriber: Subscriber): Subscription;
  /** Channel names that have been published to or subscribed to by exact name. */
  channels(): string[];
  /** Starts delivering messages (the servo runs). Messages published before start are queued. */
  start(): void;
  /** Stops delivering; pending deliveries are awaited. */
  stop(): Promise<void>;
}
