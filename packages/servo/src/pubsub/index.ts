/**
 * Pub/sub: an exchange per servo, named channels, messages with content
 * bytes, a content type and metadata, and subscribers selecting channels by
 * exact name, glob or `/regex/`.
 * @module
 */
export type { Exchange, Subscriber, Subscription } from './exchange.js';
export { Message, isJsonContentType, JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, type MessageInit } from './message.js';
export { compileSelector, isValidChannelName, assertChannelName, type ChannelSelector } from './selector.js';
export { MemoryExchange, createExchange, type MemoryExchangeOptions } from './memory-exchange.js';
export {
  ExchangeStoppedError,
  isExchangeStoppedError,
  InvalidChannelError,
  InvalidSelectorError,
  MessageContentError,
} from './errors.js';
