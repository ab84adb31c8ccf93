/** Test helpers: real loopback HTTP receivers, a fake clock, a capturing logger. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, DeliveryLogger, WebhookEndpoint } from '../../src/delivery/types.js';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `performance.now()` when the body was complete. */
  at: number;
  httpVersion: string;
}

/** Handler of a receiver: answers one request (`n` is 1-based). */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: Buffer) => void;

/** A receiver on 127.0.0.1, port 0. */
export interface Receiver {
  url: string;
  requests: Received[];
  /** Requests whose headers arrived (including ones whose handler never answers). */
  started: number;
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a receiver; `handler` may be swapped later through `receiver.handler`. */
export async function receiver(handler: Handler, path = '/hook'): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    requests: [],
    started: 0,
    handler,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const n = ++r.started;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      r.requests.push({ headers: req.headers, body, at: performance.now(), httpVersion: req.httpVersion });
      r.handler(req, res, n, body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

/** Answers `status` with an optional body and headers. */
export function reply(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}

/** A clock whose time and timers only move with `advance()`. */
export class FakeClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const id = ++this.seq;
    this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }
  /** Timers pending. */
  get pending(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing due timers in order (letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await tick();
    }
    this.t = end;
    await tick();
  }
}

/** Lets queued microtasks and immediate callbacks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One captured log line. */
export interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps its lines. */
export function captureLogger(): DeliveryLogger & { lines: Line[]; attempts(): Record<string, unknown>[] } {
  const lines: Line[] = [];
  const at =
    (level: Line['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    attempts: () => lines.filter((l) => l.msg === 'webhook attempt').map((l) => l.obj),
  };
}

/** Polls `cond` until true (generous default bound for a loaded machine). */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Real-time sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A test endpoint. */
export function endpoint(name: string, url: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    name,
    url,
    secret: 'test-secret-do-not-log',
    headers: {},
    retry: { maxTries: 5, maxTimeMs: 60_000 },
    timeoutMs: 5_000,
    ...over,
  };
}

/** Encodes a string body. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
