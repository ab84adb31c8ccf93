/**
 * The `server:` section of servo.yaml: the opt-in HTTP endpoint of `servo run`
 * (metrics, health). A reserved top-level key, like `optimizer:`; the
 * `--http` flag of `servo run` takes precedence over `listen`.
 * @module
 */
import { z } from 'zod';

/** The default address: loopback, Prometheus' range of exporter ports. */
export const DEFAULT_LISTEN = '127.0.0.1:9464';

/** A parsed `listen` address. */
export interface ListenAddress {
  /** Host to bind, without brackets (`127.0.0.1`, `::1`, `0.0.0.0`). */
  readonly host: string;
  readonly port: number;
  /** True for 127.0.0.0/8, ::1 and localhost: the only hosts served without a token. */
  readonly loopback: boolean;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/**
 * Parses `HOST:PORT` (`[::1]:9464` for IPv6) or a bare `PORT` (on 127.0.0.1);
 * returns an error message instead when it is neither.
 */
export function parseListen(text: string): ListenAddress | string {
  const value = text.trim();
  const m = /^\d{1,5}$/.test(value) ? [value, undefined, '127.0.0.1', value] : HOST_PORT.exec(value);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    return `expected HOST:PORT (e.g. "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464") or a port, got ${JSON.stringify(text)}`;
  }
  const host = (m[1] ?? m[2]) as string;
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return { host, port, loopback };
}

/** Why an address may not be served as configured, or undefined when it may. */
export function listenProblem(address: ListenAddress, token: string | undefined): string | undefined {
  if (address.loopback || token !== undefined) return undefined;
  return `refusing to serve ${address.host}:${address.port} without a token: only loopback addresses (127.0.0.1, ::1, localhost) are served without one`;
}

/** The `server:` section, validated. */
export const ServerSection = z
  .strictObject({
    listen: z
      .string()
      .refine((s) => typeof parseListen(s) !== 'string', { error: (i) => parseListen(String(i.input)) as string })
      .prefault(DEFAULT_LISTEN)
      .describe('Address of the HTTP endpoint (metrics, health), HOST:PORT; loopback by default'),
    token: z
      .string()
      .min(16, 'expected a token of at least 16 characters')
      .optional()
      .describe('Bearer token required on every request (secret; ${VAR} works)'),
  })
  .superRefine((s, ctx) => {
    const address = parseListen(s.listen);
    const problem = typeof address === 'string' ? undefined : listenProblem(address, s.token);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['listen'], message: `${problem}; set server.token (e.g. token: \${SERVO_HTTP_TOKEN}) or listen on 127.0.0.1` });
  })
  .meta({ id: 'ServerSection', description: 'The HTTP endpoint of servo run: /metrics, /healthz, /readyz' });
/** The `server:` section, validated. */
export type ServerSection = z.output<typeof ServerSection>;

/** Fields of the section whose values are never printed. */
export const SERVER_SECRET_FIELDS: readonly string[] = ['token'];
