/**
 * A servo built in code whose test connector contributes pages, served on
 * 127.0.0.1 by serveServo, for the endpoint's page tests (HTTP and browser).
 */
import { request as httpRequest } from 'node:http';
import { recordingLogger, type RecordingLogger } from '../../../../test-support/index.js';
import type { PageContext, PageSpec } from '../../src/connector/observe.js';
import { defineConnector, Servo, z } from '../../src/index.js';
import { serveServo } from '../../src/observe/serve.js';

export const TOKEN = 'pages-token-never-shown-0123456789';

/** An endpoint serving `pages` (none: no page at all). */
export interface PageServer {
  readonly url: string;
  readonly logger: RecordingLogger;
  close(): Promise<void>;
}

export async function servePages(pages: readonly PageSpec[], token?: string, listen = '127.0.0.1:0'): Promise<PageServer> {
  const connector = defineConnector({
    type: 'pagetest',
    metadata: { version: '1.0.0', description: 'contributes test pages', maturity: 'experimental' },
    config: z.object({}),
    setup: () => ({
      observe(o) {
        for (const p of pages) o.page(p);
      },
    }),
  });
  const logger = recordingLogger('info');
  const servo = await Servo.create({ name: 'pages', connectors: [{ definition: connector, name: 'pagetest' }] });
  const served = await serveServo(servo, { listen, token, logger });
  return {
    url: served.url,
    logger,
    close: async () => {
      await served.close();
      await servo.close();
    },
  };
}

/** What the test page saw of its last requests. */
export interface Seen {
  ctx?: PageContext;
  streamCancelled: boolean;
  streamSignalAborted: boolean;
}

/**
 * A page at `/test` with a form carrying its CSRF token (`GET /test`), an
 * echo of a POST's body (`POST /test/echo`), and an event stream that never
 * ends on its own (`GET /test/events`, deaf to `ctx.signal`).
 */
export function testPage(seen: Seen, title = 'Test <page>'): PageSpec {
  return {
    path: '/test',
    title,
    async fetch(request, ctx) {
      seen.ctx = ctx;
      const url = new URL(request.url);
      if (url.pathname === '/test/events') {
        ctx.signal.addEventListener('abort', () => {
          seen.streamSignalAborted = true;
        });
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('data: hello\n\n'));
          },
          cancel() {
            seen.streamCancelled = true;
          },
        });
        return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
      }
      if (request.method === 'POST') {
        const type = request.headers.get('content-type') ?? '';
        const body = type.startsWith('multipart/')
          ? Object.fromEntries([...(await request.formData()).entries()].map(([k, v]) => [k, String(v)]))
          : await request.text();
        return Response.json({ path: url.pathname, base: ctx.base, body });
      }
      const html = `<!doctype html><html><head><title>Test page</title></head><body><h1 id="title">The test page</h1><p>at ${url.pathname}</p>
<form method="post" action="${ctx.base}/echo"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><input name="note" value="hi"><button>Send</button></form></body></html>`;
      return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    },
  };
}

/** A page that only says its name, at `path`. */
export function namedPage(path: string, title: string): PageSpec {
  return { path, title, fetch: () => new Response(title) };
}

/** A request through node:http, where Host and any other header can be set as sent. */
export function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
