/**
 * The HTTP side of the engine: one pooled keep-alive undici `Agent` shared by
 * all endpoints, one POST per call, with an overall per-attempt timeout that
 * covers connecting, the response headers and the (capped) response body.
 * @module
 */

import { readFileSync } from 'node:fs';
import { MAX_TIMER_MS, startTimer } from 'servo-core';
import type { Agent } from 'undici';
import { DELIVERY_DEFAULTS } from '../defaults.js';
import { WebhookAbortedError, WebhookNetworkError, WebhookTimeoutError, isWebhookError } from '../errors.js';
import type { WebhookResponse } from './types.js';

/** Transport settings. */
export interface TransportOptions {
  /** Negotiate HTTP/2 over TLS (ALPN) when the receiver offers it; default false. */
  http2?: boolean;
  /** Path of a PEM file of extra CA certificates trusted besides the system ones (read once). */
  ca?: string;
  /** Bytes of response body kept; the rest is discarded. Default 64 KiB. */
  bodyCap?: number;
  /** How long idle keep-alive connections are kept; default 4 s (below common server timeouts of 5 s). */
  keepAliveTimeoutMs?: number;
}

/** Default response body cap: 64 KiB. */
export const DEFAULT_BODY_CAP = DELIVERY_DEFAULTS.bodyCap;

/** A receiver URL split once into what undici needs. */
export interface Target {
  origin: string;
  path: string;
}

/** Splits an endpoint URL into origin and path (done once per endpoint). */
export function toTarget(url: string): Target {
  const u = new URL(url);
  return { origin: u.origin, path: (u.pathname || '/') + u.search };
}

/**
 * Abort handle of one attempt, shared by its timeout and whoever may cancel it
 * (engine shutdown, the caller of `send()`). A plain object: while the POST
 * is in flight the transport hooks its `target`, so aborting costs nothing per
 * request when nobody aborts (no `AbortController`, no listener lists).
 */
export class AttemptControl {
  /** True once aborted. */
  aborted = false;
  /** Why it was aborted (an error of this package). */
  reason: unknown = undefined;
  /** Set by the transport while the attempt is in flight. */
  target: AbortTarget | undefined = undefined;
  /** Aborts the attempt with `reason`; later calls are ignored. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.target?.abortWith(reason);
  }
}

/** What the transport hooks into an {@link AttemptControl} while its POST is in flight. */
export interface AbortTarget {
  /** Ends the POST with `reason`. */
  abortWith(reason: unknown): void;
}

/** Receives the outcome of one POST: a response, or the error (`response` undefined). */
export type PostCallback = (err: unknown, response?: WebhookResponse) => void;

/** One POST. */
export interface PostRequest {
  target: Target;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  /** Endpoint name, for error messages. */
  webhook: string;
  /** Lets the caller abort the attempt (with a `WebhookAbortedError`). */
  control?: AttemptControl;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Sends signed POSTs. Redirects are never followed: undici 7 only follows them
 * through its redirect interceptor, which is not installed, so a 3xx comes
 * back as a response like any other. TLS certificates are always verified.
 *
 * Requests go through undici's low-level `dispatch()` with a small handler
 * rather than `request()`: no response stream, no abort-signal plumbing and
 * no async-resource bookkeeping per request, which the engine's throughput
 * benchmark (bench/throughput.mjs) measured as the largest part of its
 * per-delivery overhead.
 */
export class Transport {
  private agent: Promise<Agent> | undefined;
  /** The agent once loaded: POSTs then start synchronously. */
  private ready: Agent | undefined;
  private readonly bodyCap: number;
  private ca: string[] | undefined;

  constructor(private readonly options: TransportOptions = {}) {
    this.bodyCap = options.bodyCap ?? DEFAULT_BODY_CAP;
    if (options.ca) this.ca = [readFileSync(options.ca, 'utf8')];
  }

  /** undici is loaded on the first POST, not when the engine is built. */
  private getAgent(): Promise<Agent> {
    return (this.agent ??= import('undici').then(async ({ Agent }) => {
      const connect: Record<string, unknown> = { rejectUnauthorized: true };
      if (this.ca) {
        const { rootCertificates } = await import('node:tls');
        connect.ca = [...rootCertificates, ...this.ca];
      }
      return (this.ready = new Agent({
        allowH2: this.options.http2 === true,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 4_000,
        connect,
      }));
    }));
  }

  /**
   * POSTs `body` and reads the response (body up to the cap), then calls
   * `done(undefined, response)` for any HTTP status, or `done(error)` with a
   * {@link WebhookTimeoutError}, {@link WebhookNetworkError} or the reason given
   * to `control.abort()`: exactly once and never synchronously.
   */
  dispatch(req: PostRequest, done: PostCallback): void {
    const agent = this.ready;
    if (agent === undefined || req.control?.aborted) {
      // First POST (undici loads), or nothing to send: settle on a later tick either way.
      this.getAgent().then(
        () => (req.control?.aborted ? done(req.control.reason) : this.dispatch(req, done)),
        (err: unknown) => done(err),
      );
      return;
    }
    const call = new PostCall(req, this.bodyCap, done);
    agent.dispatch(
      {
        origin: req.target.origin,
        path: req.target.path,
        method: 'POST',
        headers: req.headers,
        body: req.body,
        // Backstops only: the call's own timer is the real, overall budget.
        headersTimeout: req.timeoutMs + 1000,
        bodyTimeout: req.timeoutMs + 1000,
      },
      call,
    );
  }

  /** Aborts in-flight requests and closes all connections. */
  async destroy(): Promise<void> {
    if (this.agent) await (await this.agent).destroy();
  }
}

const EMPTY = new Uint8Array(0);

/**
 * One POST in flight: an undici dispatch handler (the classic
 * onConnect/onHeaders/onData/onComplete/onError interface) that owns the
 * attempt's overall timer, keeps at most `cap` bytes of the response body
 * (cutting the connection of a longer one, so a huge or endless body costs
 * no memory) and reports the outcome exactly once.
 */
class PostCall implements AbortTarget {
  private settled = false;
  private abortRequest: ((err: Error) => void) | undefined = undefined;
  private phase: 'headers' | 'body' = 'headers';
  private status = 0;
  private rawHeaders: Buffer[] | undefined = undefined;
  private chunks: Buffer[] | undefined = undefined;
  private size = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Cancels the timer of a budget past setTimeout's range (2^31-1 ms). */
  private readonly cancelLongTimer: (() => void) | undefined;
  private readonly started = performance.now();
  private readonly control: AttemptControl | undefined;

  constructor(
    private readonly req: PostRequest,
    private readonly cap: number,
    private readonly done: PostCallback,
  ) {
    if (req.timeoutMs <= MAX_TIMER_MS) {
      // The common case, without a closure: this is the hot path.
      this.timer = setTimeout(onTimer, req.timeoutMs, this);
      this.timer.unref();
    } else {
      this.cancelLongTimer = startTimer(() => onTimer(this), req.timeoutMs, { unref: true });
    }
    const control = (this.control = req.control);
    if (control) control.target = this;
  }

  /** Called by the timer. */
  timeout(): void {
    this.fail(new WebhookTimeoutError(this.req.webhook, this.req.timeoutMs, this.phase));
  }

  /** {@link AttemptControl.abort} of the attempt's owner. */
  abortWith(reason: unknown): void {
    this.fail(reason);
  }

  /** Settles with `reason` and stops the request (now, or as soon as it reaches a connection). */
  private fail(reason: unknown): void {
    if (this.settled) return;
    this.end();
    this.report(reason, undefined);
    this.abortRequest?.(reason as Error);
  }

  /**
   * Hands the outcome over on a microtask: never synchronously inside
   * `agent.dispatch()` nor inside undici's parser callbacks, where a new
   * request dispatched by the caller would find this connection still busy
   * (and open another one).
   */
  private report(err: unknown, res: WebhookResponse | undefined): void {
    queueMicrotask(() => this.done(err, res));
  }

  private end(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.cancelLongTimer?.();
    if (this.control) this.control.target = undefined;
  }

  onConnect(abort: (err: Error) => void): void {
    if (this.settled) abort(new WebhookAbortedError(this.req.webhook, 'attempt already ended'));
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: the real answer follows
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    this.phase = 'body';
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    const room = this.cap - this.size;
    if (chunk.byteLength > room) {
      if (room > 0) this.push(chunk.subarray(0, room));
      this.finish(true);
      // Stop reading: undici closes this connection.
      this.abortRequest?.(new WebhookAbortedError(this.req.webhook, 'response body cap reached'));
      return false;
    }
    this.push(chunk);
    return true;
  }

  private push(chunk: Buffer): void {
    (this.chunks ??= []).push(chunk);
    this.size += chunk.byteLength;
  }

  onComplete(): void {
    if (!this.settled) this.finish(false);
  }

  onError(err: Error): void {
    if (this.settled) return;
    const webhook = this.req.webhook;
    const code = (err as { code?: unknown })?.code;
    if (isWebhookError(err)) this.fail(err);
    else if (typeof code === 'string' && TIMEOUT_CODES.has(code)) this.fail(new WebhookTimeoutError(webhook, this.req.timeoutMs, this.phase));
    else this.fail(new WebhookNetworkError(webhook, typeof code === 'string' ? code : undefined, err));
  }

  private finish(truncated: boolean): void {
    this.end();
    const chunks = this.chunks;
    this.report(undefined, {
      status: this.status,
      headers: flattenHeaders(this.rawHeaders),
      body: chunks === undefined ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size),
      truncated,
      durationMs: performance.now() - this.started,
    });
  }
}

function onTimer(call: PostCall): void {
  call.timeout();
}

/**
 * Raw header pairs to lower-case names; repeated headers joined with `, `.
 * A null-prototype object (as Node's own `IncomingMessage.headers`): any
 * name, `__proto__` included, is a plain own property.
 */
function flattenHeaders(raw: Buffer[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw === undefined) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const prev = out[name];
    out[name] = prev === undefined ? value : prev + ', ' + value;
  }
  return out;
}
