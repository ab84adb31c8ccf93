/**
 * `servo-webhooks/receiver/node`: node:http glue for the receiver toolkit.
 * `readNodeRequest` reads the raw body bytes with a size cap (413 past it,
 * before reading when Content-Length already says so) and fails at once when
 * a body parser already consumed the stream (instead of waiting forever);
 * `send` writes a toolkit answer (or a {@link ReceiverError}) to a response.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from './cancel.js';
import { ReceiverError } from './errors.js';

/** Options of {@link readNodeRequest}. */
export interface ReadOptions {
  /** Largest body accepted, in bytes. Default 1 MiB. */
  limit?: number;
}

/** Default {@link ReadOptions.limit}: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The raw body of a node:http request. A `req.body` already set to bytes
 * (e.g. by `express.raw()`) is taken as is.
 * @throws ReceiverError `body_too_large` (413), or `body_consumed` (500) when a parser read the body first.
 */
export function readNodeRequest(req: IncomingMessage, opts: ReadOptions = {}): Promise<Uint8Array> {
  const limit = opts.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) return Promise.reject(new ReceiverError('invalid_option', 'limit must be a non-negative integer of bytes'));
  const parsed = (req as { body?: unknown }).body;
  if (parsed instanceof Uint8Array) {
    if (parsed.length > limit) return Promise.reject(tooLarge(limit));
    return Promise.resolve(parsed);
  }
  if (parsed !== undefined || req.readableEnded || req.readableDidRead) {
    return Promise.reject(
      new ReceiverError(
        'body_consumed',
        'the request body was already read (a body parser such as express.json() ran first): its raw bytes are needed to verify signatures; ' +
          'mount the webhook route before the parser, or use express.raw({ type: "*/*" }) on it',
      ),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the request was aborted before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): ReceiverError {
  return new ReceiverError('body_too_large', `the request body is larger than ${limit} bytes`);
}

/**
 * Writes an answer (`cancel(reason)`, or your own) to `res`; a
 * {@link ReceiverError} becomes its status with a JSON `{error, message}`.
 */
export function send(res: ServerResponse, answer: Answer | ReceiverError): void {
  if (answer instanceof ReceiverError) {
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: answer.code, message: answer.message }));
    return;
  }
  res.writeHead(answer.status, answer.headers).end(answer.body);
}
