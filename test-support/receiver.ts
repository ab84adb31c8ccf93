/**
 * A recording webhook receiver on 127.0.0.1 (port 0): it keeps every request
 * (raw body bytes included) and answers through a swappable responder, which
 * may delay, hang or fail; or, for tests that need the socket itself, through
 * a raw `handler` that gets Node's request and response.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver got it. */
export interface RecordedRequest {
  /** 1-based arrival number (headers received). */
  readonly n: number;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
  /** The raw body bytes, exactly as received (verify signatures over these). */
  readonly body: Buffer;
  /** `performance.now()` when the body was complete. */
  readonly at: number;
  /** Set when the client closed the connection before the response was finished. */
  abortedAt?: number;
  /** The body parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: the caller names the shape it expects, as with JSON.parse.
  json<T = any>(): T;
  /** A header's single value (the first if repeated). */
  header(name: string): string | undefined;
}

/** What a responder returns: status, headers and body; or `'hang'` to never answer. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string | Buffer } | 'hang';

/** Decides the answer to one request; may be async (to delay). */
export type Responder = (req: RecordedRequest) => Answer | Promise<Answer>;

/** Answers one request on the socket itself (`n` is 1-based); replaces the responder while set. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, n: number, body: Buffer) => void;

/** A running receiver. */
export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly origin: string;
  /** `origin` + `path` (default `/hook`). */
  url(path?: string): string;
  /** Every request whose body arrived, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests whose headers arrived (including ones never answered or whose body never completed). */
  readonly started: number;
  /** Replaceable responder. */
  respond: Responder;
  /** When set, answers instead of `respond`. */
  handler: RawHandler | undefined;
  /** Resolves once `count` requests have arrived (optionally only those `filter` keeps); rejects after `timeoutMs`. */
  waitFor(count: number, opts?: { timeoutMs?: number; filter?: (r: RecordedRequest) => boolean }): Promise<RecordedRequest[]>;
  /** Resolves when the client of `req` has closed its connection before the answer was finished. */
  waitForAbort(req: RecordedRequest, timeoutMs?: number): Promise<number>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Answers 204 No Content. */
export const noContent: Responder = () => ({ status: 204 });

/** Answers `status` on a raw response, with an optional body and headers. */
export function reply(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(respond: Responder = noContent): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const abortWaiters = new Map<RecordedRequest, () => void>();
  let started = 0;
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++started;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        n,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        httpVersion: req.httpVersion,
        body,
        at: performance.now(),
        json: () => JSON.parse(body.toString('utf8')),
        header: (name) => {
          const v = req.headers[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
      };
      res.on('close', () => {
        if (!res.writableFinished) {
          recorded.abortedAt = performance.now();
          abortWaiters.get(recorded)?.();
        }
      });
      requests.push(recorded);
      notify();
      if (r.handler) {
        r.handler(req, res, n, body);
        return;
      }
      void (async () => {
        let answer: Answer;
        try {
          answer = await r.respond(recorded);
        } catch (err) {
          answer = { status: 500, body: `test responder failed: ${(err as Error).message}` };
        }
        if (answer === 'hang' || res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      })();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const r: Receiver = {
    origin,
    url: (path = '/hook') => origin + path,
    requests,
    get started() {
      return started;
    },
    respond,
    handler: undefined,
    waitFor(count, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 15_000;
      const pick = (): RecordedRequest[] => (opts.filter ? requests.filter(opts.filter) : requests);
      if (pick().length >= count) return Promise.resolve(pick());
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pick().length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(pick());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${pick().length} of ${count} expected requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    waitForAbort(req, timeoutMs = 15_000) {
      if (req.abortedAt !== undefined) return Promise.resolve(req.abortedAt);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`request ${req.n} was not aborted within ${timeoutMs} ms`)), timeoutMs);
        abortWaiters.set(req, () => {
          clearTimeout(timer);
          resolve(req.abortedAt as number);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return r;
}

/** A URL on 127.0.0.1 where nothing listens (a port bound, then released). */
export async function deadUrl(path = '/hook'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
