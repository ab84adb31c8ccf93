/**
 * The HTTP endpoint of `servo run`: `/metrics` (Prometheus text format),
 * `/healthz` (the process answers) and `/readyz` (started, the connectors'
 * checks, the optimizer reached when one is configured), JSON bodies.
 *
 * Routing is Hono's (web-standard Request/Response, a small router with a
 * timing-safe bearer check), on node:http through @hono/node-server's request
 * listener; the node:http server is ours, so listen errors and closing every
 * connection at shutdown stay in this module. Global Request/Response are left
 * as they are (`overrideGlobalObjects: false`).
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { ListenAddress } from '../assembly/config/server-section.js';
import { ExitCodes } from '../cli/exit-codes.js';
import { ExitError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { ServoMetrics } from './metrics.js';

/** What the endpoint serves and how. */
export interface EndpointOptions {
  readonly address: ListenAddress;
  /** Bearer token required on every path but `/healthz`. */
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
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** The routes, as a Hono app (tests and the server share it). */
export function endpointApp(o: EndpointOptions): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/healthz', () => new Response(`${JSON.stringify({ status: 'ok' })}\n`, { headers: JSON_TYPE }));
  if (o.token !== undefined) app.use('*', bearerAuth({ token: o.token }));
  app.get('/metrics', async (c) => {
    const t0 = performance.now();
    const body = await o.metrics.text();
    // Server-Timing: how long collecting and formatting took, apart from the network (bench/observe.mjs).
    const headers = {
      'content-type': o.metrics.registry.contentType,
      'cache-control': 'no-store',
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
    return new Response(`${JSON.stringify({ status: ready ? 'ready' : 'not ready', checks })}\n`, { status: ready ? 200 : 503, headers: JSON_TYPE });
  });
  app.notFound(
    () => new Response(`${JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] })}\n`, { status: 404, headers: JSON_TYPE }),
  );
  return app;
}

/** Starts the endpoint; a bind failure (address in use, not local) is a usage error naming the address. */
export async function startEndpoint(o: EndpointOptions): Promise<HttpEndpoint> {
  const app = endpointApp(o);
  const server: Server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
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
  const url = `http://${hostPort(host, bound.port)}`;
  o.logger.info({ url, token: o.token !== undefined }, 'HTTP endpoint listening: /metrics, /healthz, /readyz');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
