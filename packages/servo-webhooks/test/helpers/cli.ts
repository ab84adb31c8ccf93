/**
 * The `servo` CLI for the webhooks tests: the shared runners of test-support
 * with the connector built beside servo-core, logging at `warn` unless a test
 * asks otherwise.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliRun, type ProcessOptions, runServo as run, SERVO_BIN } from '../../../../test-support/index.js';

export { type CliRun, SERVO_BIN };

const CONNECTOR_DIST = fileURLToPath(new URL('../../dist/connector.js', import.meta.url));

/** Throws a clear error when the CLI or the connector has not been built. */
export function assertBuilt(): void {
  for (const f of [SERVO_BIN, CONNECTOR_DIST]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (npm run build at the repository root)`);
  }
}

/** Runs the built `servo [--config FILE] ...args` as a subprocess, with SERVO_LOG_LEVEL=warn unless `env` sets it. */
export function runServo(args: readonly string[], opts: ProcessOptions = {}): Promise<CliRun> {
  return run(args, { ...opts, env: { SERVO_LOG_LEVEL: 'warn', ...opts.env } });
}
