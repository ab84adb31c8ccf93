/**
 * The `servo-core/observe` entry: serves the HTTP endpoint of `servo run`
 * (/metrics, /healthz, /readyz) for a servo built in code. The endpoint's
 * code (prom-client, Hono) loads on the first call, never with this module.
 * @module
 */
import { listenProblem, parseListen } from '../assembly/config/server-section.js';
import type { Servo } from '../assembly/servo.js';
import { UsageError } from '../errors.js';
import { silentLogger, type Logger } from '../logging.js';

/** Options of {@link serveServo}. */
export interface ServeOptions {
  /** `HOST:PORT` (port 0: any free port), e.g. `127.0.0.1:9464`. */
  readonly listen: string;
  /** Bearer token required on every path but `/healthz`; required off loopback. */
  readonly token?: string | undefined;
  readonly logger?: Logger | undefined;
}

/** A servo's endpoint, listening. */
export interface ServedServo {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/**
 * Registers the servo's metrics (the connectors' `observe` hooks included)
 * and serves them. Call before `servo.start()`; `/readyz` is ready once it
 * has started.
 * @throws UsageError (SERVO_USAGE) for a bad address, or one off loopback without a token
 * @example
 * const servo = await Servo.create({ name: 'app', connectors });
 * const served = await serveServo(servo, { listen: '127.0.0.1:9464' });
 * await servo.start();
 */
export async function serveServo(servo: Servo, options: ServeOptions): Promise<ServedServo> {
  const address = parseListen(options.listen);
  if (typeof address === 'string') throw new UsageError(`listen: ${address}`);
  const problem = listenProblem(address, options.token);
  if (problem) throw new UsageError(`listen: ${problem}; pass a token or listen on 127.0.0.1`);
  const { observe } = await import('./index.js');
  const observed = await observe(
    servo,
    { address, token: options.token },
    { started: () => servo.running, optimizer: false, logger: options.logger ?? silentLogger },
  );
  return { url: observed.endpoint.url, close: () => observed.endpoint.close() };
}
