/**
 * The HTTP endpoint of `servo run`: `/metrics` (Prometheus text format),
 * `/healthz` (the process answers) and `/readyz` (started, the connectors'
 * checks, the optimizer reached when one is configured), JSON bodies; and the
 * pages connectors contribute (./pages.ts), behind the sign-in of ./auth.ts
 * when a token is set, with the headers and checks of ./security.ts.
 *
 * Routing is Hono's (web-standard Request/Response, a small router), on
 * node:http through @hono/node-server's request listener; the node:http
 * server is ours, so listen errors and closing every connection at shutdown
 * stay in this module. Global Request/Response are left as they are
 * (`overrideGlobalObjects: false`).
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { ListenAddress } from '../assembly/config/server-section.js';
import { ExitCodes } from '../cli/exit-codes.js';
import { ExitError } from '../errors.js';
import type { Logger } from '../logging.js';
import { Auth, signinLocation, type Who } from './auth.js';
import type { ServoMetrics } from './metrics.js';
import { JSON_HEADERS, refused, servePage } from './pages.js';
import { crossSite, hostAllowed, randomToken, SECURITY_HEADERS, secured } from './security.js';

/** What the endpoint serves and how. */
export interface EndpointOptions {
  readonly address: ListenAddress;
  /** Bearer token (or signed-in session) required on every path but `/healthz`. */
  readonly token?: string | undefined;
  readonly metrics: ServoMetrics;
  /** True once the servo has started (its start hooks ran, attach and startup went out). */
  readonly started: () => boolean;
  /** True when the loop talks to an optimizer: `/readyz` then waits until it was reached. */
  readonly optimizer: boolean;
  readonly logger: Logger;
}

/** A listening endpoint. */
export interface HttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Stops listening, aborts the pages' long answers and ends open connections; never waits on an event stream. */
  close(): Promise<void>;
}

type Env = { Bindings: HttpBindings; Variables: { who: Who } };

const OPEN: Who = { kind: 'open' };
const METRICS_HEADERS = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

/** What {@link endpointApp} needs besides the options: the port (the cookie's name) and the endpoint's lifetime. */
export interface EndpointRuntime {
  readonly port: number;
  /** Aborted when the endpoint closes (the pages' `ctx.signal`). */
  readonly signal: AbortSignal;
}

/** The routes, as a Hono app. */
export function endpointApp(o: EndpointOptions, rt: EndpointRuntime): Hono<Env> {
  const app = new Hono<Env>();
  const pages = o.metrics.pages;
  const titles = () => pages.list.map((p) => p.title);
  const processCsrf = randomToken();
  app.get('/healthz', () => new Response(`${JSON.stringify({ status: 'ok' })}\n`, { headers: JSON_HEADERS }));
  const auth = o.token === undefined ? undefined : new Auth(o.token, rt.port);
  if (auth) {
    app.get('/signin', (c) => auth.form(new URL(c.req.url), titles()));
    app.post('/signin', (c) => crossSiteRefusal(c.req.raw) ?? auth.signin(c.req.raw, titles()));
    app.post('/signout', (c) => crossSiteRefusal(c.req.raw) ?? auth.signout(c.req.raw.headers));
    app.use('*', async (c, next) => {
      const who = auth.who(c.req.raw.headers);
      if (!who) return unauthorized(c.req.raw);
      c.set('who', who);
      await next();
    });
  }
  app.get('/metrics', async (c) => {
    const t0 = performance.now();
    const body = await o.metrics.text();
    // Server-Timing: how long collecting and formatting took, apart from the network (bench/observe.mjs).
    const headers = {
      ...METRICS_HEADERS,
      'content-type': o.metrics.registry.contentType,
      'server-timing': `collect;dur=${(performance.now() - t0).toFixed(2)}`,
    };
    const outgoing = c.env?.outgoing;
    if (!outgoing) return new Response(body, { headers });
    // On node:http the text goes out in one write: a Response's body would be read back through a web stream
    // (and the listener waits a timer turn for its end), a third of a scrape at rest (bench/observe.mjs).
    outgoing.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    outgoing.end(body);
    return RESPONSE_ALREADY_SENT;
  });
  app.get('/readyz', async () => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    checks.started = o.started() ? { ok: true } : { ok: false, detail: 'the servo is starting' };
    if (o.optimizer) {
      const up = o.metrics.optimizerConnected;
      checks.optimizer = up ? { ok: true } : { ok: false, detail: up === false ? 'the last request to the optimizer failed' : 'not reached yet' };
    }
    for (const r of o.metrics.readinessChecks) {
      try {
        const res = await r.check();
        checks[r.name] = res.detail === undefined ? { ok: res.ok } : { ok: res.ok, detail: res.detail };
      } catch (err) {
        checks[r.name] = { ok: false, detail: (err as Error).message };
      }
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return new Response(`${JSON.stringify({ status: ready ? 'ready' : 'not ready', checks })}\n`, { status: ready ? 200 : 503, headers: JSON_HEADERS });
  });
  const notFound = () =>
    new Response(`${JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz', '/readyz', ...pages.list.map((p) => p.path)] })}\n`, {
      status: 404,
      headers: JSON_HEADERS,
    });
  app.get('/', () => {
    const first = pages.list[0];
    return first ? new Response(null, { status: 302, headers: { location: first.path, 'cache-control': 'no-store' } }) : notFound();
  });
  app.all('*', (c) => {
    const page = pages.find(c.req.path);
    if (!page) return notFound();
    return servePage(page, c.req.raw, { who: c.get('who') ?? OPEN, processCsrf, signal: rt.signal, logger: o.logger });
  });
  app.notFound(notFound);
  return app;
}

/** The app's fetch behind the Host check (no token: against DNS rebinding), every answer with the security headers. */
export function endpointFetch(o: EndpointOptions, rt: EndpointRuntime): (request: Request, env: HttpBindings | Http2Bindings) => Promise<Response> {
  const app = endpointApp(o, rt);
  const checkHost = o.token === undefined;
  return async (request, env) => {
    if (checkHost && !hostAllowed(request.headers.get('host') ?? undefined, o.address.host)) {
      return secured(refused(421, 'misdirected request', 'without a token this endpoint answers only an IP address, localhost or its listen host'));
    }
    const res = await app.fetch(request, env as HttpBindings);
    return res === RESPONSE_ALREADY_SENT ? res : secured(res);
  };
}

/** A refusal when a sign-in or sign-out comes from another site. */
function crossSiteRefusal(request: Request): Response | undefined {
  const why = crossSite(request.headers);
  return why === undefined ? undefined : refused(403, 'cross-site request refused', why);
}

/** A browser asking for a page goes to the sign-in form; anything else is told to send the bearer token. */
function unauthorized(request: Request): Response {
  const html = (request.headers.get('accept') ?? '').includes('text/html');
  if (html && (request.method === 'GET' || request.method === 'HEAD')) {
    return new Response(null, { status: 303, headers: { location: signinLocation(new URL(request.url)), 'cache-control': 'no-store' } });
  }
  const res = refused(401, 'unauthorized', 'send Authorization: Bearer TOKEN, or sign in at /signin');
  res.headers.set('www-authenticate', 'Bearer realm="servo"');
  return res;
}

/** Starts the endpoint; a bind failure (address in use, not local) is a usage error naming the address. */
export async function startEndpoint(o: EndpointOptions): Promise<HttpEndpoint> {
  const lifetime = new AbortController();
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // The app is made once the port is known (the session cookie is named after it); nothing is read before.
  const server: Server = createServer((req, res) => listener?.(req, res));
  const { host, port } = o.address;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new ExitError(
      ExitCodes.usage,
      `servo: cannot serve the HTTP endpoint on ${hostPort(host, port)}: ${err.code ?? err.message}; choose another address with --http or server.listen`,
    );
  });
  server.on('error', (err) => o.logger.error({ err: err.message }, 'HTTP endpoint error'));
  const bound = server.address() as AddressInfo;
  listener = getRequestListener(endpointFetch(o, { port: bound.port, signal: lifetime.signal }), { overrideGlobalObjects: false });
  const url = `http://${hostPort(host, bound.port)}`;
  const pages = o.metrics.pages.list;
  const paths = ['/metrics', '/healthz', '/readyz', ...pages.map((p) => `${p.path} (${p.title})`)];
  o.logger.info({ url, token: o.token !== undefined, pages: pages.map((p) => p.path) }, `HTTP endpoint listening: ${paths.join(', ')}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        // Pages end their event streams on the signal; closing every connection ends the ones that do not.
        lifetime.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
