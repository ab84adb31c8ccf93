/**
 * Checks of one webhook entry's URL and headers that the field schemas cannot
 * make alone; each a located issue. The values of headers are never echoed
 * (they often carry tokens).
 * @module
 */
import type { z } from 'servo-core';
import { RESERVED_HEADERS } from '../headers.js';

// What the HTTP client accepts: otherwise every request of the webhook would fail at send time.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The fields of a webhook entry these checks read, as written. */
export interface WebhookEntry {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | readonly { readonly name: string; readonly value: string }[] | undefined;
}

/** Adds an issue to `ctx` for each problem of `w`'s URL and headers. */
export function checkUrlAndHeaders(w: WebhookEntry, ctx: z.RefinementCtx): void {
  checkUrl(w.url, ctx);
  const list = Array.isArray(w.headers);
  const entries: (readonly [string, string])[] = list
    ? (w.headers as readonly { name: string; value: string }[]).map((h) => [h.name, h.value] as const)
    : Object.entries((w.headers ?? {}) as Record<string, string>);
  if (/^https?:\/\/[^/?#]*@/i.test(w.url) && entries.some(([n]) => n.toLowerCase() === 'authorization')) {
    ctx.addIssue({
      code: 'custom',
      message: 'the URL carries credentials (sent as Authorization: Basic) and headers set Authorization too: keep one',
      path: ['url'],
    });
  }
  const seen = new Map<string, string>();
  entries.forEach(([n, v], i) => {
    const at = (field: 'name' | 'value') => (list ? ['headers', i, field] : ['headers', n]);
    if (!HEADER_NAME.test(n)) {
      ctx.addIssue({ code: 'custom', message: `"${n}" is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_\`|~`, path: at('name') });
    } else if (RESERVED_HEADERS.has(n.toLowerCase())) {
      ctx.addIssue({ code: 'custom', message: `header "${n}" is set by the connector and cannot be replaced`, path: at('name') });
    } else if (seen.has(n.toLowerCase())) {
      // HTTP header names are case-insensitive: one would silently replace the other.
      ctx.addIssue({ code: 'custom', message: `header "${n}" repeats "${seen.get(n.toLowerCase())}" (header names ignore case): keep one`, path: at('name') });
    }
    seen.set(n.toLowerCase(), n);
    if (!HEADER_VALUE.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message: `the value of header "${n}" cannot hold line breaks, control characters or characters beyond Latin-1`,
        path: at('value'),
      });
    }
  });
}

/** A URL with a host and a usable port (`http:///path` and port 0 parse, but reach nothing). */
function checkUrl(url: string, ctx: z.RefinementCtx): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return; // the url field's own check reports it
  }
  // WHATWG parsing turns `http:///path` into host "path": look at what was written.
  if (/^https?:\/\/(?:[^/?#@]*@)?(?:[/?#]|:|$)/i.test(url)) {
    ctx.addIssue({ code: 'custom', message: 'the URL has no host: write http(s)://HOST[:PORT]/PATH', path: ['url'] });
  } else if (u.port === '0' || /^https?:\/\/[^/?#]*:0+(?:[/?#]|$)/i.test(url)) {
    ctx.addIssue({ code: 'custom', message: 'port 0 is not a port a receiver can listen on: give the real port, or none for the default', path: ['url'] });
  }
}
