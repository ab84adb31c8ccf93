/**
 * What keeps the endpoint's pages safe in a browser: the security headers of
 * every answer (a Content-Security-Policy allowing only same-origin scripts,
 * styles and connections), the Host check against DNS rebinding when no token
 * is set, the cross-site check of POSTs (Sec-Fetch-Site, Origin) and the CSRF
 * token a page's POST carries, compared timing-safe.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The Content-Security-Policy of every answer: nothing inline, nothing from elsewhere, never framed. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The headers every answer of the endpoint carries (`/metrics` writes them itself). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * The answer with the security headers set, and `Cache-Control: no-store` on
 * HTML (a page shows live state and a CSRF token: no copy is kept). A page's
 * Response whose headers are immutable is copied first.
 */
export function secured(res: Response): Response {
  let out = res;
  try {
    setAll(out.headers);
  } catch {
    out = new Response(res.body, res);
    setAll(out.headers);
  }
  if (out.headers.get('content-type')?.startsWith('text/html')) out.headers.set('cache-control', 'no-store');
  return out;
}

function setAll(headers: Headers): void {
  for (const name in SECURITY_HEADERS) headers.set(name, SECURITY_HEADERS[name] as string);
}

/**
 * True when a request's Host may be answered without a token: an IP literal,
 * `localhost`, or the host the endpoint listens on. A name an attacker's DNS
 * points at 127.0.0.1 (DNS rebinding) is none of these. A request without
 * Host (HTTP/1.0, never a browser) passes.
 */
export function hostAllowed(host: string | undefined, listenHost: string): boolean {
  if (host === undefined) return true;
  let name = host.toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end < 0) return false;
    name = name.slice(1, end);
    return isIP(name) === 6 || name === listenHost.toLowerCase();
  }
  const colon = name.indexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return isIP(name) !== 0 || name === 'localhost' || name === listenHost.toLowerCase();
}

/**
 * Why a state-changing request is refused as cross-site, or undefined:
 * `Sec-Fetch-Site` other than `same-origin` or `none` (typed in, a bookmark),
 * or an `Origin` whose host is not the Host the request was sent to. Scripts
 * send neither and pass.
 *
 * `Origin: null` passes only beside `Sec-Fetch-Site: same-origin`: under
 * `Referrer-Policy: no-referrer` (ours) Chromium sends `null` as the origin
 * of a same-origin form post, and the browser that sends Sec-Fetch-Site
 * vouches for it; without that header `null` (a sandboxed frame, a data: URL)
 * is refused.
 */
export function crossSite(headers: Headers): string | undefined {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = headers.get('origin');
  if (origin === null) return undefined;
  if (origin === 'null') return site === 'same-origin' ? undefined : 'Origin: null';
  let originHost: string;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Origin is not this endpoint';
    originHost = u.host;
  } catch {
    return 'Origin is not this endpoint';
  }
  const host = headers.get('host');
  // The scheme is left out: behind a TLS proxy the browser's origin is https while this server sees http.
  return host !== null && sameHost(originHost, host) ? undefined : 'Origin is not this endpoint';
}

function sameHost(originHost: string, host: string): boolean {
  const a = originHost.toLowerCase();
  const b = host.toLowerCase();
  // new URL() drops a scheme's default port (":80") that a Host header may still carry.
  return a === b || `${a}:80` === b || `${a}:443` === b;
}

/** A fresh random token: 32 bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets in time independent of where they differ (hashes first: lengths may differ). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The largest form body read for its `_csrf` field. */
export const MAX_FORM_BYTES = 4 * 1024 * 1024;

/** What {@link csrfOf} found: the token sent (if any) and the request to hand on, its body still readable. */
export interface CsrfRead {
  readonly token: string | undefined;
  readonly request: Request;
  /** Set when the body could not be read (too large, malformed): the status to answer. */
  readonly refused?: { status: number; error: string };
}

/**
 * The CSRF token a request carries: the `x-csrf-token` header, or the `_csrf`
 * field of a form body (urlencoded or multipart). The body is read once and
 * the page gets a Request rebuilt from its bytes, so it can read it again.
 */
export async function csrfOf(request: Request): Promise<CsrfRead> {
  const header = request.headers.get('x-csrf-token');
  if (header !== null) return { token: header, request };
  const type = request.headers.get('content-type')?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return { token: undefined, request };
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_FORM_BYTES) return { token: undefined, request, refused: { status: 413, error: 'form too large' } };
  const bytes = await readBounded(request);
  if (bytes === undefined) return { token: undefined, request, refused: { status: 413, error: 'form too large' } };
  if (bytes === null) return { token: undefined, request, refused: { status: 400, error: 'unreadable body' } };
  const rebuilt = () =>
    new Request(request.url, { method: request.method, headers: request.headers, body: bytes as Uint8Array<ArrayBuffer>, signal: request.signal });
  let token: string | undefined;
  try {
    const field = (await rebuilt().formData()).get('_csrf');
    token = typeof field === 'string' ? field : undefined;
  } catch {
    return { token: undefined, request, refused: { status: 400, error: 'malformed form body' } };
  }
  return { token, request: rebuilt() };
}

/** The body's bytes; undefined past `max` bytes (it stops reading there), null when reading fails. */
export async function readBounded(request: Request, max = MAX_FORM_BYTES): Promise<Uint8Array | undefined | null> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return Buffer.concat(chunks, size);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML, in an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
