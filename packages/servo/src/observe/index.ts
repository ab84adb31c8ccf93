/**
 * Turns on `servo run`'s HTTP endpoint when `--http` or servo.yaml's
 * `server:` section asks for it: the address and token, the registry, the
 * connectors' `observe` hooks, the listening server. Loaded only then.
 * @module
 */
import { listenProblem, parseListen, type ListenAddress } from '../assembly/config/server-section.js';
import type { Servo } from '../assembly/servo.js';
import { ExitCodes } from '../cli/exit-codes.js';
import { ExitError } from '../errors.js';
import type { Logger } from '../logging.js';
import { ServoMetrics } from './metrics.js';
import { startEndpoint, type HttpEndpoint } from './server.js';

/** A servo being observed: its metrics and its listening endpoint. */
export interface Observed {
  readonly metrics: ServoMetrics;
  readonly endpoint: HttpEndpoint;
}

/**
 * Where to listen: `--http` (its address checked here) over `server.listen`
 * (checked when servo.yaml loaded); undefined when neither asks for it.
 * @throws ExitError (usage) for a bad address, or one off loopback without a token
 */
export function resolveEndpoint(flag: string | undefined, servo: Servo): { address: ListenAddress; token: string | undefined } | undefined {
  const token = servo.server?.token;
  if (flag === undefined) {
    if (!servo.server) return undefined;
    return { address: parseListen(servo.server.listen) as ListenAddress, token };
  }
  const address = parseListen(flag);
  if (typeof address === 'string') throw new ExitError(ExitCodes.usage, `servo: --http: ${address}`);
  const problem = listenProblem(address, token);
  if (problem) {
    throw new ExitError(
      ExitCodes.usage,
      `servo: --http ${flag}: ${problem}; set a token in servo.yaml (server: {token: \${SERVO_HTTP_TOKEN}}) or listen on 127.0.0.1`,
    );
  }
  return { address, token };
}

/** Registers the metrics (the connectors' through their `observe` hooks) and starts listening. */
export async function observe(
  servo: Servo,
  where: { address: ListenAddress; token: string | undefined },
  o: { started: () => boolean; optimizer: boolean; logger: Logger },
): Promise<Observed> {
  const metrics = new ServoMetrics();
  servo.observe(metrics, metrics.onDispatch);
  const endpoint = await startEndpoint({ ...where, metrics, ...o });
  return { metrics, endpoint };
}
