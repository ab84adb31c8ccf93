/**
 * The optimizer's readiness check for `servo check`: when an optimizer is
 * configured (OPSANI_* or servo.yaml's `optimizer:`), one HELLO must be
 * answered. The message names the endpoint, never the token.
 * @module
 */
import type { Servo } from '../assembly/servo.js';
import type { Check } from '../model/check.js';
import { OptimizerClient } from './client.js';
import { resolveOptimizer } from './config.js';

/** The check's outcome, or `undefined` when no optimizer is configured. */
export async function optimizerCheck(servo: Servo, env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<Check | undefined> {
  const settings = resolveOptimizer({}, env, servo.optimizer, { cwd, configFile: servo.configFile });
  if (!settings) return undefined;
  const client = new OptimizerClient(settings, { userAgent: 'servo-core check' });
  const base = {
    name: 'optimizer answers hello',
    id: 'optimizer_hello',
    severity: 'critical' as const,
    created_at: new Date().toISOString(),
    run_at: new Date().toISOString(),
  };
  try {
    await client.post('HELLO', { agent: 'servo-core check', telemetry: {} });
    return { ...base, success: true, message: `${settings.endpoint} answered HELLO` };
  } catch (err) {
    return {
      ...base,
      success: false,
      message: (err as Error).message,
      hint: 'check the optimizer URL (id, base_url, url) and the token, and that the optimizer is reachable',
    };
  } finally {
    await client.close();
  }
}
