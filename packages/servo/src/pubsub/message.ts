import { MessageContentError } from './errors.js';

/** What {@link Message}'s constructor takes. */
export interface MessageInit {
  /** The payload; a string is encoded as UTF-8. */
  readonly content: Uint8Array | string;
  /** MIME type of `content`; default `application/octet-stream`. */
  readonly contentType?: string;
  /** Free-form string metadata (headers, correlation ids, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** When the message was created; default now. */
  readonly createdAt?: Date;
}

/** Content type of {@link Message.text} messages. */
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
/** Content type of {@link Message.json} messages. */
export const JSON_CONTENT_TYPE = 'application/json';

const encoder = new TextEncoder();

/**
 * A message on the exchange: content bytes, a content type and string
 * metadata. Messages are immutable; one instance is handed to every
 * subscriber, so subscribers must not write into `content`.
 *
 * @example
 * const m = Message.json({ cpu: 0.5 }, { source: 'prometheus' });
 * m.json<{ cpu: number }>().cpu; // 0.5
 */
export class Message {
  /** The payload bytes. */
  readonly content: Uint8Array;
  /** MIME type of the content, e.g. `application/json`. */
  readonly contentType: string;
  /** String metadata, frozen. */
  readonly metadata: Readonly<Record<string, string>>;
  /** When the message was created. */
  readonly createdAt: Date;
  #text: string | undefined;

  constructor(init: MessageInit) {
    if (typeof init.content === 'string') {
      this.content = encoder.encode(init.content);
      this.#text = init.content;
    } else if (init.content instanceof Uint8Array) {
      this.content = init.content;
    } else {
      throw new TypeError('message content must be a Uint8Array or a string');
    }
    this.contentType = init.contentType ?? 'application/octet-stream';
    this.metadata = Object.freeze({ ...init.metadata });
    this.createdAt = init.createdAt ?? new Date();
  }

  /** A `text/plain; charset=utf-8` message. */
  static text(text: string, metadata?: Readonly<Record<string, string>>): Message {
    return new Message({ content: text, contentType: TEXT_CONTENT_TYPE, metadata });
  }

  /**
   * An `application/json` message holding `JSON.stringify(value)`.
   * @throws TypeError when `value` has no JSON form (e.g. `undefined`, a function).
   */
  static json(value: unknown, metadata?: Readonly<Record<string, string>>): Message {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`cannot encode a ${typeof value} as JSON`);
    return new Message({ content: text, contentType: JSON_CONTENT_TYPE, metadata });
  }

  /** The content decoded as text (the content type's charset, default UTF-8). */
  text(): string {
    if (this.#text === undefined) {
      const charset = /;\s*charset="?([^";\s]+)"?/i.exec(this.contentType)?.[1] ?? 'utf-8';
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(charset);
      } catch (err) {
        throw new MessageContentError(`unsupported charset "${charset}" in content type "${this.contentType}"`, {
          cause: err,
        });
      }
      this.#text = decoder.decode(this.content);
    }
    return this.#text;
  }

  /**
   * The content parsed as JSON.
   * @throws MessageContentError when the content type is not JSON
   *   (`application/json`, `text/json` or `*\/*+json`) or the content is not valid JSON.
   */
  json<T = unknown>(): T {
    if (!isJsonContentType(this.contentType)) {
      throw new MessageContentError(`message content type "${this.contentType}" is not JSON (expected application/json or */*+json)`);
    }
    try {
      return JSON.parse(this.text()) as T;
    } catch (err) {
      throw new MessageContentError(`message content is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** True for `application/json`, `text/json` and structured-syntax `+json` types, with or without parameters. */
export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}
