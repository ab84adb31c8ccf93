/**
 * The endpoint with a token, through real sockets on 127.0.0.1: the bearer
 * header for scripts, the sign-in form and its session cookie for people,
 * `next` kept on this endpoint, sign-out, per-session CSRF tokens, and the
 * limit on wrong tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedPage, type PageServer, rawGet, type Seen, servePages, TOKEN, testPage } from './page-server.js';

const seen: Seen = { streamCancelled: false, streamSignalAborted: false };
let s: PageServer;
let cookieName: string;
const bearer = { authorization: `Bearer ${TOKEN}` };
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

beforeAll(async () => {
  s = await servePages([testPage(seen), namedPage('/other', 'Other')], TOKEN);
  cookieName = `servo_session_${new URL(s.url).port}`;
});
afterAll(() => s?.close());

/** POST /signin as the form does; the answer unread (redirects not followed). */
function signin(token: string, next = '/test', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token, next }).toString(),
  });
}

/** Signs in; the session cookie as a browser sends it back. */
async function session(): Promise<string> {
  const res = await signin(TOKEN);
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') as string).split(';')[0] as string;
}

describe('who gets in', () => {
  it('the bearer token opens every path; /healthz needs nothing', async () => {
    expect((await fetch(`${s.url}/metrics`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${s.url}/test`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('a browser without it goes to the sign-in form, keeping where it was going; a script gets 401 and WWW-Authenticate', async () => {
    const page = await fetch(`${s.url}/test/sub?x=1&y=2`, { headers: HTML, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/signin?next=${encodeURIComponent('/test/sub?x=1&y=2')}`);
    const inits: RequestInit[] = [{}, { headers: { accept: 'application/json' } }, { headers: { authorization: 'Bearer wrong-token-of-some-length' } }];
    for (const init of inits) {
      const res = await fetch(`${s.url}/test`, { ...init, redirect: 'manual' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="servo"');
      expect((await res.json()).error).toBe('unauthorized');
    }
    // A wrong bearer is not saved by a good cookie.
    const cookie = await session();
    expect((await fetch(`${s.url}/test`, { headers: { cookie, authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
  });

  it('a Host of any name is let through to the token check (the token is the guard then)', async () => {
    expect((await rawGet(`${s.url}/metrics`, { host: 'servo.example.com', ...bearer })).status).toBe(200);
  });
});

describe('the sign-in form', () => {
  it('is a small HTML form, the pages titles escaped, next carried in a hidden field', async () => {
    const res = await fetch(`${s.url}/signin?next=${encodeURIComponent('/test?a="b"')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<b>Test &lt;page&gt;</b>');
    expect(html).not.toContain('<page>');
    expect(html).toContain('<input type="hidden" name="next" value="/test?a=&quot;b&quot;">');
    expect(html).toContain('<form method="post" action="/signin">');
  });

  it('the right token sets an HttpOnly, SameSite=Strict session cookie for / (not Secure on http) and goes to next', async () => {
    const res = await signin(TOKEN, '/test/sub?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/test/sub?x=1');
    const cookie = res.headers.get('set-cookie') as string;
    const [pair, ...attrs] = cookie.split('; ');
    expect(pair).toMatch(new RegExp(`^${cookieName}=[A-Za-z0-9_-]{43}$`));
    expect(attrs.sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
    expect(cookie).not.toContain(TOKEN);
    const page = await fetch(`${s.url}/test`, { headers: { cookie: pair as string } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('The test page');
    // The cookie opens the core's paths too: a person may look at /metrics.
    expect((await fetch(`${s.url}/metrics`, { headers: { cookie: pair as string } })).status).toBe(200);
  });

  it('a wrong token shows the form again with an error (401), late', async () => {
    const t0 = performance.now();
    const res = await signin('not-the-token-at-all-0000', '/test');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toContain('<p id="error" role="alert">That token is not right.</p>');
    expect(html).toContain('name="next" value="/test"');
  });

  it('next leads only to a path of this endpoint', async () => {
    const attempts = [
      '//evil.example/',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'http:/evil.example',
      'javascript:alert(1)',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      'evil.example',
      '',
    ];
    for (const next of attempts) {
      const res = await signin(TOKEN, next);
      expect(res.headers.get('location'), JSON.stringify(next)).toBe('/');
    }
    expect((await signin(TOKEN, '/other?q=%2F%2Fx')).headers.get('location')).toBe('/other?q=%2F%2Fx');
    const form = await (await fetch(`${s.url}/signin?next=${encodeURIComponent('//evil.example')}`)).text();
    expect(form).toContain('name="next" value="/"');
  });

  it('refuses a sign-in or sign-out posted from another site', async () => {
    const cross: Record<string, string>[] = [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of cross) {
      expect((await signin(TOKEN, '/test', headers)).status).toBe(403);
      expect((await fetch(`${s.url}/signout`, { method: 'POST', headers, redirect: 'manual' })).status).toBe(403);
    }
  });

  it('sign-out ends the session and clears the cookie', async () => {
    const cookie = await session();
    const out = await fetch(`${s.url}/signout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/signin');
    expect(out.headers.get('set-cookie')).toBe(`${cookieName}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    const after = await fetch(`${s.url}/test`, { headers: { cookie, ...HTML }, redirect: 'manual' });
    expect(after.status).toBe(303);
  });
});

describe('CSRF with a token', () => {
  it('a signed-in POST needs its session CSRF token; another session one or none is refused', async () => {
    const cookie = await session();
    const html = await (await fetch(`${s.url}/test`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await session();
    const otherHtml = await (await fetch(`${s.url}/test`, { headers: { cookie: other } })).text();
    const otherCsrf = /name="_csrf" value="([^"]+)"/.exec(otherHtml)?.[1] as string;
    expect(otherCsrf).not.toBe(csrf);
    const post = (token: string | undefined) =>
      fetch(`${s.url}/test/echo`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(token === undefined ? { note: 'n' } : { _csrf: token, note: 'n' }).toString(),
      });
    expect((await post(undefined)).status).toBe(403);
    expect((await post(otherCsrf)).status).toBe(403);
    const ok = await post(csrf);
    expect(ok.status).toBe(200);
    expect((await ok.json()).body).toBe(`_csrf=${csrf}&note=n`);
  });

  it('a POST with the bearer token needs no CSRF token (a browser never adds that header itself)', async () => {
    const res = await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { ...bearer, 'content-type': 'text/plain' }, body: 'from a script' });
    expect(res.status).toBe(200);
    expect((await res.json()).body).toBe('from a script');
    // ...but not from another site.
    expect((await fetch(`${s.url}/test/echo`, { method: 'POST', headers: { ...bearer, origin: 'http://evil.example' } })).status).toBe(403);
  });
});

describe('guessing', () => {
  it('after 10 wrong tokens in a minute, sign-in is closed (429), the right token included', async () => {
    const own = await servePages([testPage({ streamCancelled: false, streamSignalAborted: false })], TOKEN);
    try {
      const post = (token: string) =>
        fetch(`${own.url}/signin`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }).toString(),
        });
      const wrong = await Promise.all(Array.from({ length: 10 }, (_, i) => post(`wrong-guess-number-${i}`)));
      expect(wrong.map((r) => r.status)).toEqual(Array(10).fill(401));
      const closed = await post(TOKEN);
      expect(closed.status).toBe(429);
      expect(await closed.text()).toContain('Too many wrong tokens');
      // The bearer header still works for scripts.
      expect((await fetch(`${own.url}/metrics`, { headers: bearer })).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});
