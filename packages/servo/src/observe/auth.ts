/**
 * Who asks, when the endpoint has a token: scripts and Prometheus send it as
 * `Authorization: Bearer`; a person signs in on a small form that exchanges
 * it for a session cookie (`HttpOnly; SameSite=Strict; Path=/`, a random
 * 32-byte id, sessions kept in memory until they expire). Wrong tokens are
 * answered late, and refused outright after too many in a minute.
 * @module
 */
import { escapeHtml, randomToken, readBounded, sameSecret } from './security.js';

/** A signed-in browser: its cookie's id, its CSRF token, when it ends. */
export interface Session {
  readonly id: string;
  readonly csrf: string;
  readonly expires: number;
}

/** How a request was let in. */
export type Who = { readonly kind: 'bearer' } | { readonly kind: 'session'; readonly session: Session } | { readonly kind: 'open' };

/** Options of {@link Auth}; the defaults suit `servo run`. */
export interface AuthOptions {
  /** How long a session lasts (default 12 h). */
  readonly sessionMs?: number;
  /** How long a wrong token's answer waits (default 400 ms). */
  readonly wrongDelayMs?: number;
  /** Wrong tokens per minute before sign-in is refused for the rest of it (default 10). */
  readonly maxWrongPerMinute?: number;
  /** Sessions kept at most; the oldest goes first (default 1,000). */
  readonly maxSessions?: number;
}

/** The header of an HTML answer. */
export const HTML_TYPE = 'text/html; charset=utf-8';

/** The token's checks and the sessions of one endpoint. */
export class Auth {
  readonly cookieName: string;
  private readonly sessions = new Map<string, Session>();
  private readonly wrong: number[] = [];
  private readonly sessionMs: number;
  private readonly wrongDelayMs: number;
  private readonly maxWrong: number;
  private readonly maxSessions: number;

  /**
   * @param token the endpoint's token
   * @param port the endpoint's port, in the cookie's name: browsers share cookies across a host's ports, so two
   *   servos on one host would otherwise sign each other out
   */
  constructor(
    private readonly token: string,
    port: number,
    o: AuthOptions = {},
  ) {
    this.cookieName = `servo_session_${port}`;
    this.sessionMs = o.sessionMs ?? 12 * 3600_000;
    this.wrongDelayMs = o.wrongDelayMs ?? 400;
    this.maxWrong = o.maxWrongPerMinute ?? 10;
    this.maxSessions = o.maxSessions ?? 1000;
  }

  /**
   * The bearer header when there is one (a wrong one lets nothing in, whatever
   * the cookie), else the session cookie; undefined when neither opens.
   */
  who(headers: Headers): Who | undefined {
    const authorization = headers.get('authorization');
    if (authorization !== null) {
      const m = /^Bearer +(\S+) *$/i.exec(authorization);
      return m && sameSecret(m[1] as string, this.token) ? { kind: 'bearer' } : undefined;
    }
    const id = cookie(headers.get('cookie'), this.cookieName);
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expires <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return { kind: 'session', session };
  }

  /** GET /signin: the form. */
  form(url: URL, titles: readonly string[], error?: string, status = 200): Response {
    const next = safeNext(url.searchParams.get('next'));
    return signinForm(next, titles, error, status);
  }

  /** POST /signin: a right token gets a session cookie and goes on to `next`; a wrong one sees the form again. */
  async signin(request: Request, titles: readonly string[]): Promise<Response> {
    const form = await readForm(request);
    const next = safeNext(form?.get('next') ?? null);
    const now = Date.now();
    while (this.wrong.length > 0 && (this.wrong[0] as number) <= now - 60_000) this.wrong.shift();
    if (this.wrong.length >= this.maxWrong) {
      return signinForm(next, titles, 'Too many wrong tokens: sign-in is closed for a minute.', 429);
    }
    const given = form?.get('token') ?? '';
    if (!sameSecret(given, this.token)) {
      this.wrong.push(now);
      await new Promise((resolve) => setTimeout(resolve, this.wrongDelayMs));
      return signinForm(next, titles, 'That token is not right.', 401);
    }
    const session: Session = { id: randomToken(), csrf: randomToken(), expires: now + this.sessionMs };
    this.keep(session, now);
    const maxAge = Math.floor(this.sessionMs / 1000);
    return new Response(null, {
      status: 303,
      headers: {
        location: next,
        'set-cookie': `${this.cookieName}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`,
        'cache-control': 'no-store',
      },
    });
  }

  /** POST /signout: ends the session and forgets the cookie. */
  signout(headers: Headers): Response {
    const id = cookie(headers.get('cookie'), this.cookieName);
    if (id !== undefined) this.sessions.delete(id);
    return new Response(null, {
      status: 303,
      headers: {
        location: '/signin',
        'set-cookie': `${this.cookieName}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
        'cache-control': 'no-store',
      },
    });
  }

  private keep(session: Session, now: number): void {
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
    // A Map iterates in insertion order: the first key is the oldest session.
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(session.id, session);
  }
}

/**
 * Where to go after signing in: a path on this endpoint only (`/...`, never
 * `//host` or `/\host`, which browsers take for another site; no control
 * characters or spaces, which browsers drop or fold); `/` otherwise.
 */
export function safeNext(next: string | null): string {
  if (next === null || next.length > 2048) return '/';
  if (!next.startsWith('/') || next[1] === '/' || next.includes('\\')) return '/';
  for (let i = 0; i < next.length; i++) {
    const c = next.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return '/';
  }
  return next;
}

/** The sign-in path for an unauthenticated browser going to `url`. */
export function signinLocation(url: URL): string {
  return `/signin?next=${encodeURIComponent(url.pathname + url.search)}`;
}

function cookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  const type = request.headers.get('content-type')?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
  const bytes = await readBounded(request, 64 * 1024);
  return bytes ? new URLSearchParams(Buffer.from(bytes).toString('utf8')) : undefined;
}

function signinForm(next: string, titles: readonly string[], error: string | undefined, status: number): Response {
  const what = titles.length > 0 ? `<p>Sign in to see ${titles.map((t) => `<b>${escapeHtml(t)}</b>`).join(', ')}.</p>` : '';
  const alert = error === undefined ? '' : `<p id="error" role="alert">${escapeHtml(error)}</p>`;
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in - servo</title><link rel="icon" href="data:,"></head>
<body>
<main>
<h1>servo</h1>
${what}${alert}
<form method="post" action="/signin">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
  return new Response(body, { status, headers: { 'content-type': HTML_TYPE, 'cache-control': 'no-store' } });
}
