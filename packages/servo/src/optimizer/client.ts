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

/** The part of undici the client uses, loaded once. */
type Http = { Agent: typeof Undici.Agent };

/** One request in flight: settled once, by its answer, its failure, its timeout or an abort. */
interface Pending {
  /** performance.now() past which it times out. */
  readonly deadline: number;
  abort(reason: Error): void;
}

/** Posts protocol messages to one optimizer. */
export class OptimizerClient {
  readonly settings: OptimizerSettings;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  #agent: Undici.Agent | Promise<Undici.Agent> | undefined;
  /** Requests in flight per caller signal: one abort listener per signal, not one per request. */
  readonly #watched = new WeakMap<AbortSignal, Set<Pending>>();
  /** Requests in flight, swept for their deadline by one interval (not a timer per request). */
  readonly #inflight = new Set<Pending>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(settings: OptimizerSettings, options: { userAgent: string }) {
    this.settings = settings;
    const url = new URL(settings.endpoint);
    this.#origin = url.origin;
    this.#path = `${url.pathname}${url.search}`;
    this.#headers = headersFor(options.userAgent, settings.token?.reveal());
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
    const body = JSON.stringify(envelope);
    const current = this.#agent ?? this.#undici();
    const agent = current instanceof Promise ? await current : current;
    let res: { status: number; headers: Undici.Dispatcher.ResponseData['headers']; text: string };
    try {
      res = await this.#exchange(agent, body, signal);
    } catch (err) {
      const kind = err instanceof TimedOut ? 'timeout' : 'network';
      const what = err instanceof TimedOut ? err.message : signal?.aborted ? 'aborted' : describeNetworkError(err);
      throw new OptimizerRequestError(`${event} to ${this.endpoint} failed: ${what}`, { kind }, { cause: err });
    }
    const { status, text } = res;
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
    const agent = this.#agent;
    this.#agent = undefined;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (agent) await (await agent).close();
  }

  /**
   * One POST through undici's dispatch API: the answer's status, headers and
   * text. Lighter than `undici.request()`, which wraps every answer in a
   * stream and every request in AbortSignal listeners: the answer is small
   * JSON read whole, so the handler collects its chunks directly. The
   * request's deadline is checked by the client's sweep ({@link #sweep});
   * `signal` aborts it through one listener per signal, shared by every
   * request made with that signal.
   */
  #exchange(agent: Undici.Agent, body: string, signal: AbortSignal | undefined) {
    return new Promise<{ status: number; headers: Undici.Dispatcher.ResponseData['headers']; text: string }>((resolve, reject) => {
      let controller: Undici.Dispatcher.DispatchController | undefined;
      let aborted: Error | undefined;
      let done = false;
      let status = 0;
      let headers: Undici.Dispatcher.ResponseData['headers'] = {};
      const chunks: Buffer[] = [];
      const watched = signal ? this.#watch(signal) : undefined;
      const ms = this.settings.timeoutMs;
      const pending: Pending = {
        deadline: performance.now() + ms,
        abort(reason) {
          aborted ??= reason;
          // Not started yet (waiting for a connection): fail now; undici drops it when its turn comes.
          if (controller) controller.abort(reason);
          else settle(reason);
        },
      };
      watched?.add(pending);
      this.#inflight.add(pending);
      this.#sweeper ??= this.#sweep();
      const settle = (err: Error | undefined) => {
        if (done) return;
        done = true;
        this.#inflight.delete(pending);
        watched?.delete(pending);
        if (err) reject(aborted ?? err);
        else resolve({ status, headers, text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8') });
      };
      if (signal?.aborted) pending.abort(abortReason(signal));
      agent.dispatch(
        { origin: this.#origin, path: this.#path, method: 'POST', headers: this.#headers, body },
        {
          onRequestStart(c) {
            controller = c;
            if (aborted) c.abort(aborted);
          },
          onResponseStart(_c, statusCode, h) {
            status = statusCode;
            headers = h;
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            settle(undefined);
          },
          onResponseError(_c, err) {
            settle(err);
          },
        },
      );
    });
  }

  /**
   * Times out the requests past their deadline: an interval of a tenth of the
   * timeout (10 ms to 1 s), so a request ends at most that much after it;
   * unref'd, it never keeps the process alive.
   */
  #sweep(): NodeJS.Timeout {
    const ms = this.settings.timeoutMs;
    const every = Math.min(1000, Math.max(10, Math.round(ms / 10)));
    return setInterval(() => {
      const now = performance.now();
      for (const p of this.#inflight) if (p.deadline <= now) p.abort(new TimedOut(`no answer within ${ms} ms`));
    }, every).unref();
  }

  /** The set of requests made with `signal`, aborted together when it aborts. */
  #watch(signal: AbortSignal): Set<Pending> {
    let set = this.#watched.get(signal);
    if (!set) {
      const requests = new Set<Pending>();
      set = requests;
      this.#watched.set(signal, requests);
      signal.addEventListener(
        'abort',
        () => {
          for (const p of requests) p.abort(abortReason(signal));
        },
        { once: true },
      );
    }
    return set;
  }

  /** undici, loaded once on first use, and the pooled agent. */
  #undici(): Promise<Undici.Agent> {
    const loading: Promise<Undici.Agent> = import('undici').then(({ Agent }: Http) => {
      const agent = new Agent({
        keepAliveTimeout: 30_000,
        connections: 4,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
        connect: { timeout: this.settings.timeoutMs },
      });
      if (this.#agent === loading) this.#agent = agent;
      return agent;
    });
    this.#agent = loading;
    return loading;
  }
}

/** A request's own timeout (told apart from the caller's abort). */
class TimedOut extends Error {}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The headers every request carries (built once: the token does not change). */
function headersFor(userAgent: string, token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': userAgent };
  if (token) {
    // As servox: a token that already says "Bearer" is sent as is; an "X-SF-Token" prefix selects that header.
    if (token.startsWith('X-SF-Token')) headers['x-sf-token'] = token.slice('X-SF-Token'.length).replace(/^[\s:=]+/, '');
    else headers.authorization = token.includes('Bearer') ? token : `Bearer ${token}`;
  }
  return headers;
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
