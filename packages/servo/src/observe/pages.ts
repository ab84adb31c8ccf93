/**
 * The pages connectors contribute to the endpoint ({@link PageSpec}): one
 * path segment each, checked when registered, and the gate every request to
 * one passes: cross-site POSTs refused, the CSRF token required unless the
 * bearer token came with the request, then the page's `fetch` with its
 * {@link PageContext}.
 * @module
 */
import type { PageContext, PageSpec } from '../connector/observe.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Who } from './auth.js';
import { crossSite, csrfOf, sameSecret } from './security.js';

/** Paths the core answers itself; no page may take them. */
export const CORE_PATHS: readonly string[] = ['/metrics', '/healthz', '/readyz', '/signin', '/signout'];

/** The pages registered, in order (the first is where `/` leads). */
export class Pages {
  private readonly byPath = new Map<string, PageSpec>();

  /** @throws UsageError (SERVO_USAGE) for a path that is not one segment (`/name`), a core path, or one taken */
  add(spec: PageSpec): void {
    const { path } = spec;
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9][A-Za-z0-9._~-]*$/.test(path)) {
      throw new UsageError(`page path ${JSON.stringify(path)}: one path segment, like /webhooks (letters, digits, . _ ~ -)`);
    }
    if (CORE_PATHS.includes(path)) throw new UsageError(`page path ${path}: the endpoint serves it itself`);
    if (this.byPath.has(path)) throw new UsageError(`page path ${path}: already served by the page "${this.byPath.get(path)?.title}"`);
    if (typeof spec.fetch !== 'function') throw new UsageError(`page ${path}: fetch must be a function`);
    this.byPath.set(path, spec);
  }

  /** The pages in the order they were registered. */
  get list(): readonly PageSpec[] {
    return [...this.byPath.values()];
  }

  /** The page serving `pathname` (its path, or below it), if any. */
  find(pathname: string): PageSpec | undefined {
    const slash = pathname.indexOf('/', 1);
    return this.byPath.get(slash < 0 ? pathname : pathname.slice(0, slash));
  }
}

/** What {@link servePage} needs besides the page and the request. */
export interface PageGate {
  /** How the request was let in. */
  readonly who: Who;
  /** The CSRF token of requests without a session (no token set, or bearer). */
  readonly processCsrf: string;
  /** Aborted when the endpoint closes. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Passes a request to its page once it is not cross-site and carries the CSRF token where needed. */
export async function servePage(spec: PageSpec, request: Request, g: PageGate): Promise<Response> {
  const csrfToken = g.who.kind === 'session' ? g.who.session.csrf : g.processCsrf;
  let req = request;
  if (!SAFE_METHODS.has(request.method)) {
    const cross = crossSite(request.headers);
    if (cross !== undefined) return refused(403, 'cross-site request refused', cross);
    // A browser never adds the Authorization header on its own: a bearer request is not a forged one.
    if (g.who.kind !== 'bearer') {
      const read = await csrfOf(request);
      if (read.refused) return refused(read.refused.status, read.refused.error);
      if (read.token === undefined || !sameSecret(read.token, csrfToken)) {
        return refused(403, 'CSRF token missing or wrong', "send the page's token as the _csrf form field or the x-csrf-token header");
      }
      req = read.request;
    }
  }
  const ctx: PageContext = { base: spec.path, csrfToken, signal: g.signal };
  try {
    return await spec.fetch(req, ctx);
  } catch (err) {
    g.logger.error({ page: spec.path, err: (err as Error).message }, 'page failed');
    return refused(500, 'the page failed');
  }
}

/** A JSON error answer. */
export function refused(status: number, error: string, detail?: string): Response {
  const body = detail === undefined ? { error } : { error, detail };
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: JSON_HEADERS });
}

/** Headers of a JSON answer. */
export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
