/**
 * Pages on the endpoint through real sockets on 127.0.0.1: routing and the
 * `/` redirect, the security headers, the Host check without a token, CSRF
 * and cross-site checks of POSTs, and event streams at shutdown. Sign-in is
 * in signin.test.ts.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServoMetrics } from '../../src/observe/metrics.js';
import { CSP } from '../../src/observe/security.js';
import { namedPage, type PageServer, rawGet, type Seen, servePages, testPage } from './page-server.js';

const seen: Seen = { streamCancelled: false, streamSignalAborted: false };
let s: PageServer;
let csrf: string;

beforeAll(async () => {
  s = await servePages([testPage(seen), namedPage('/other', 'Other')]);
  const html = await (await fetch(`${s.url}/test`)).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
});
afterAll(() => s?.close());

describe('registering pages', () => {
  it('refuses a path that is not one segment, a core path, a taken one', () => {
    const m = new ServoMetrics();
    for (const path of ['webhooks', '/', '/a/b', '/a/', '//x', '/metrics', '/signin', '/with space', '']) {
      expect(() => m.page(namedPage(path, 'x')), path).toThrow(expect.objectContaining({ code: 'SERVO_USAGE' }));
    }
    m.page(namedPage('/webhooks', 'Deliveries'));
    expect(() => m.page(namedPage('/webhooks', 'Again'))).toThrow(/already served by the page "Deliveries"/);
  });
});

describe('routing', () => {
  it('sends / to the first page, and every path under a page to it', async () => {
    const root = await fetch(`${s.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/test');
    expect(await (await fetch(`${s.url}/test/deeper/path?x=1`)).text()).toContain('at /test/deeper/path');
    expect(seen.ctx?.base).toBe('/test');
    expect(await (await fetch(`${s.url}/other`)).text()).toBe('Other');
  });

  it('answers 404 JSON listing the paths, pages included, for anything else', async () => {
    const res = await fetch(`${s.url}/testing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found', paths: ['/metrics', '/healthz', '/readyz', '/test', '/other'] });
  });

  it('names the pages in the listening log line', () => {
    expect(s.logger.lines.find((l) => l.msg?.startsWith('HTTP endpoint listening'))?.msg).toBe(
      'HTTP endpoint listening: /metrics, /healthz, /readyz, /test (Test <page>), /other (Other)',
    );
  });

  it('without pages, / is the 404 as before', async () => {
    const bare = await servePages([]);
    try {
      const res = await fetch(`${bare.url}/`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect((await res.json()).paths).toEqual(['/metrics', '/healthz', '/readyz']);
    } finally {
      await bare.close();
    }
  });
});

describe('security headers', () => {
  const expected = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };

  it('are on a page (with no-store on its HTML), /metrics, /healthz and a 404', async () => {
    for (const path of ['/test', '/metrics', '/healthz', '/nothing']) {
      const res = await fetch(`${s.url}${path}`);
      await res.arrayBuffer();
      for (const [name, value] of Object.entries(expected)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    }
    const page = await fetch(`${s.url}/test`);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe('the Host check without a token (DNS rebinding)', () => {
  it('answers IP literals, localhost and the listen host; refuses another name with 421', async () => {
    const port = new URL(s.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, '127.0.0.1']) {
      expect((await rawGet(`${s.url}/healthz`, { host })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const res = await rawGet(`${s.url}/metrics`, { host });
      expect(res.status, host).toBe(421);
      expect(res.headers['content-security-policy']).toBe(CSP);
    }
  });

  it('answers the name the endpoint listens on', async () => {
    const named = await servePages([], undefined, 'localhost:0');
    try {
      const port = new URL(named.url).port;
      expect((await rawGet(`http://127.0.0.1:${port}/healthz`, { host: `localhost:${port}` })).status).toBe(200);
      expect((await rawGet(`http://127.0.0.1:${port}/healthz`, { host: `evil.example:${port}` })).status).toBe(421);
    } finally {
      await named.close();
    }
  });
});

describe('POSTs to a page (no token: the per-process CSRF token)', () => {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it('pass with the right _csrf field, and the page still reads the whole body', async () => {
    const res = await fetch(`${s.url}/test/echo`, form({ _csrf: csrf, note: 'hello <b>' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: '/test/echo', base: '/test', body: `_csrf=${encodeURIComponent(csrf)}&note=hello+%3Cb%3E` });
    expect(seen.ctx?.csrfToken).toBe(csrf);
  });

  it('pass with the token in a multipart body or the x-csrf-token header', async () => {
    const fd = new FormData();
    fd.set('_csrf', csrf);
    fd.set('file', new Blob(['file content']), 'a.txt');
    const multi = await fetch(`${s.url}/test/echo`, { method: 'POST', body: fd });
    expect(multi.status).toBe(200);
    expect((await multi.json()).body).toEqual({ _csrf: csrf, file: '[object File]' });
    const header = await fetch(`${s.url}/test/echo`, {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await header.json()).toMatchObject({ body: '{"a":1}' });
  });

  it('are refused (403) without the token or with a wrong one', async () => {
    for (const init of [form({ note: 'x' }), form({ _csrf: `${csrf}x`, note: 'x' }), form({ _csrf: '' }), { method: 'POST', body: 'plain' }]) {
      const res = await fetch(`${s.url}/test/echo`, init);
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe('CSRF token missing or wrong');
    }
    const wrongHeader = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { 'x-csrf-token': 'nope' } });
    expect(wrongHeader.status).toBe(403);
  });

  it('are refused (403) from another site even with the token: Origin, Sec-Fetch-Site', async () => {
    const cross: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://localhost:${new URL(s.url).port}` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of cross) {
      const res = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { ...headers, 'x-csrf-token': csrf } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await res.json()).error).toBe('cross-site request refused');
    }
    const same = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { origin: s.url, 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrf } });
    expect(same.status).toBe(200);
    // Origin: null is what Chromium sends for a same-origin form post under Referrer-Policy: no-referrer.
    const nullSame = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrf } });
    expect(nullSame.status).toBe(200);
    const nullCross = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf } });
    expect(nullCross.status).toBe(403);
  });
});

describe('shutdown', () => {
  it('close() does not wait on an open event stream: the stream is cancelled and ctx.signal aborted', async () => {
    const own: Seen = { streamCancelled: false, streamSignalAborted: false };
    const server = await servePages([testPage(own)]);
    const first = await new Promise<string>((resolve, reject) => {
      get(`${server.url}/test/events`, { agent: false }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.setEncoding('utf8');
        res.once('data', (chunk: string) => resolve(chunk));
        res.on('error', () => {});
      }).on('error', reject);
    });
    expect(first).toBe('data: hello\n\n');
    const t0 = performance.now();
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000).unref());
    expect(await Promise.race([server.close().then(() => 'closed'), late])).toBe('closed');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(own.streamSignalAborted).toBe(true);
    await expect.poll(() => own.streamCancelled, { timeout: 2000 }).toBe(true);
  });
});
