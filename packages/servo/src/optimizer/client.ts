/**
 * The HTTP client of the optimizer protocol: one POST per message to the
 * optimizer's `.../servo` endpoint, JSON both ways, through a pooled
 * keep-alive undici Agent (loaded on first use). Every request is bounded by
 * the configured timeout. A request either resolves with the optimizer's
 * answer or throws an {@link OptimizerRequestError} (whose `retryable` the
 * runner's retry policy reads) or an {@link OptimizerUnauthorizedError}.
 *
 * {@link retrying} is the retry policy: capped exponential backoff with full
 * jitter, Retry-After honoured. It is a few lines, so it is written here
 * rather than taken from a library (undici's RetryAgent neither bounds by
 * an AbortSignal nor logs each wait).
 * @module
 */
import type * as Undici from 'undici';
import type { Logger } from '../logging.js';
import type { OptimizerSettings } from './config.js';
import { OptimizerRequestError, OptimizerUnauthorizedError } from './errors.js';
import { type Envelope, type OptimizerAnswer, readAnswer, type ServoEvent } from './protocol.js';

const MAX_BODY_SHOWN = 300;

/** Posts protocol messages to one optimizer. */
export class OptimizerClient {
  readonly settings: OptimizerSettings;
  readonly #userAgent: string;
  #http: Promise<{ request: typeof Undici.request; agent: Undici.Agent }> | undefined;

  constructor(settings: OptimizerSettings, options: { userAgent: string }) {
    this.settings = settings;
    this.#userAgent = options.userAgent;
  }

  /** The endpoint every message goes to (no secret in it). */
  get endpoint(): string {
    return this.settings.endpoint;
  }

  /**
   * Posts `{event, param, servo_uid}` once and reads the answer.
   * @throws OptimizerUnauthorizedError on 401/403.
   * @throws OptimizerRequestError on any other failure (including an abort through `signal`).
   */
  async post(event: ServoEvent, param: unknown, signal?: AbortSignal): Promise<OptimizerAnswer> {
    const envelope: Envelope = { event, param: param ?? null, servo_uid: this.settings.servoUid };
    const { request, agent } = await this.#undici();
    // One timer and one controller per request: AbortSignal.timeout() + AbortSignal.any() cost
    // several times more, and a cycle of the loop makes two requests.
    const bound = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      bound.abort(new Error(`no answer within ${this.settings.timeoutMs} ms`));
    }, this.settings.timeoutMs);
    const onAbort = (): void => bound.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let res: Undici.Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(this.endpoint, { method: 'POST', dispatcher: agent, headers: this.#headers(), body: JSON.stringify(envelope), signal: bound.signal });
      text = await res.body.text();
    } catch (err) {
      const kind = timedOut ? 'timeout' : 'network';
      const what = timedOut ? `no answer within ${this.settings.timeoutMs} ms` : signal?.aborted ? 'aborted' : describeNetworkError(err);
      throw new OptimizerRequestError(`${event} to ${this.endpoint} failed: ${what}`, { kind }, { cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const status = res.statusCode;
    if (status === 401 || status === 403) throw new OptimizerUnauthorizedError(this.endpoint, status);
    if (status < 200 || status >= 300) {
      throw new OptimizerRequestError(`${event} to ${this.endpoint} answered HTTP ${status}`, {
        kind: 'status',
        status,
        retryAfterMs: retryAfter(res.headers['retry-after']),
        body: shown(text),
      });
    }
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new OptimizerRequestError(`${event} to ${this.endpoint}: the answer is not JSON`, { kind: 'answer', status, body: shown(text) });
    }
    const answer = readAnswer(json);
    if (!answer) {
      throw new OptimizerRequestError(`${event} to ${this.endpoint}: the answer is neither a command nor a status`, {
        kind: 'answer',
        status,
        body: shown(text),
      });
    }
    return answer;
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    const http = this.#http;
    this.#http = undefined;
    if (http) await (await http).agent.close();
  }

  /** undici, loaded once on first use, and the pooled agent. */
  #undici(): Promise<{ request: typeof Undici.request; agent: Undici.Agent }> {
    return (this.#http ??= import('undici').then(({ Agent, request }) => ({
      request,
      agent: new Agent({
        keepAliveTimeout: 30_000,
        connections: 4,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
        connect: { timeout: this.settings.timeoutMs },
      }),
    })));
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': this.#userAgent };
    const token = this.settings.token?.reveal();
    if (token) {
      // As servox: a token that already says "Bearer" is sent as is; an "X-SF-Token" prefix selects that header.
      if (token.startsWith('X-SF-Token')) headers['x-sf-token'] = token.slice('X-SF-Token'.length).replace(/^[\s:=]+/, '');
      else headers.authorization = token.includes('Bearer') ? token : `Bearer ${token}`;
    }
    return headers;
  }
}

/** Options of {@link retrying}. */
export interface RetryOptions {
  /** First backoff ceiling, ms (doubles each attempt). */
  readonly baseMs: number;
  /** Highest backoff ceiling, ms. */
  readonly capMs: number;
  /** Give up after this long (ms) since the first attempt; Infinity: never. */
  readonly maxElapsedMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** What is being sent, for the log. */
  readonly what: string;
  /** [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** Default retry policy: 250 ms doubling up to 30 s. */
export const DEFAULT_BACKOFF = { baseMs: 250, capMs: 30_000 } as const;

/**
 * Runs `attempt` until it succeeds, retrying retryable {@link OptimizerRequestError}s
 * after a full-jitter wait (`random() * min(cap, base * 2^n)`, or the answer's
 * Retry-After when longer), each failure logged with the next wait. Anything
 * else, a non-retryable failure, running out of time, or `signal` aborting
 * (the last error is thrown) ends it.
 */
export async function retrying<T>(attempt: () => Promise<T>, o: RetryOptions): Promise<T> {
  const started = Date.now();
  const random = o.random ?? Math.random;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof OptimizerRequestError) || !err.retryable || o.signal.aborted) throw err;
      const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(n, 30));
      const wait = Math.max(Math.round(random() * ceiling), err.details.retryAfterMs ?? 0);
      if (Date.now() - started + wait > o.maxElapsedMs) throw err;
      o.logger.warn({ err: err.message, status: err.details.status, attempt: n + 1, retryInMs: wait }, `${o.what} failed; retrying`);
      await sleep(wait, o.signal);
      if (o.signal.aborted) throw err;
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function retryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 10 * 60_000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), 10 * 60_000);
}

function shown(text: string): string {
  return text.length > MAX_BODY_SHOWN ? `${text.slice(0, MAX_BODY_SHOWN)}...` : text;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return [e.code ?? e.cause?.code, e.message].filter(Boolean).join(' ') || 'network error';
}
