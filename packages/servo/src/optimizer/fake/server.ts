/**
 * The fake optimizer's HTTP server: `POST /accounts/{org}/applications/{app}/servo`,
 * JSON both ways, `Authorization: Bearer TOKEN` checked.
 *
 * Written with node:http directly rather than a framework: it is a test double
 * of one endpoint of a protocol, and what it must control is exactly what a
 * framework hides — the status line, the raw body it records, when it answers
 * (delays), and failures it injects on purpose.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Recorder } from './recorder.js';
import type { Answer, FakeSession } from './session.js';

/** Largest request body read (bytes); larger ones are answered 413. */
export const MAX_BODY = 1024 * 1024;
const RAW_KEPT = 4096;

/** What the server needs. */
export interface ServerOptions {
  readonly session: FakeSession;
  readonly recorder: Recorder;
  /** `ORG/APP`: the only optimizer this server answers for. */
  readonly id: string;
  /** The bearer token requests must carry; none: any request is accepted. */
  readonly token: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Creates the server (not listening yet). */
export function createFakeServer(options: ServerOptions): { server: Server; cancelDelays(): void } {
  const expectedAuth = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  const path = `/accounts/${options.id.split('/').map(encodeURIComponent).join('/applications/')}/servo`;
  const delays = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, answer: Answer) => {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.http, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== path) return send(res, { http: 404, body: { error: `no optimizer here: POST ${path}` } });
    if (req.method !== 'POST') return send(res, { http: 405, body: { error: 'POST only' }, headers: { allow: 'POST' } });
    const text = await readBody(req);
    if (text === undefined) return send(res, { http: 413, body: { error: `body over ${MAX_BODY} bytes` } });
    let message: unknown;
    let parsed = true;
    try {
      message = JSON.parse(text);
    } catch {
      parsed = false;
    }
    const event = parsed && typeof message === 'object' && message !== null ? (message as { event?: unknown }).event : undefined;
    const base = {
      event: typeof event === 'string' ? event : undefined,
      message: parsed ? message : undefined,
      ...(parsed ? {} : { raw: text.slice(0, RAW_KEPT) }),
    };
    let answer: Answer;
    if (expectedAuth && !authorized(req.headers.authorization, expectedAuth)) {
      answer = { http: 401, body: { error: 'missing or wrong bearer token' }, headers: { 'www-authenticate': 'Bearer' } };
    } else if (!parsed) {
      answer = options.session.notJson();
    } else answer = options.session.handle(message);
    options.recorder.add({ ...base, http: answer.http, answer: answer.body });
    if (answer.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          delays.delete(timer);
          resolve();
        }, answer.delayMs);
        delays.add(timer);
      });
      if (res.destroyed) return;
    }
    send(res, answer);
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { http: 500, body: { error: `fake optimizer: ${(err as Error).message}` } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  return {
    server,
    cancelDelays: () => {
      for (const t of delays) clearTimeout(t);
      delays.clear();
    },
  };
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  return header !== undefined && timingSafeEqual(digest(header), expected);
}

/** The body as text; undefined past {@link MAX_BODY}. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on host:port (0: any free port); resolves with the port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
