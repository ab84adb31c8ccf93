/**
 * Runs the built `servo` CLI as a user would: a real subprocess with its own
 * environment, stdout, stderr and exit code. The CLI tests need the build
 * (`npx tsc -b packages/servo packages/servo-webhooks`; `npm test` builds first).
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point of servo-core. */
export const SERVO_BIN = fileURLToPath(new URL('../../../servo/dist/cli/main.js', import.meta.url));
const CONNECTOR_DIST = fileURLToPath(new URL('../../dist/connector.js', import.meta.url));

/** Throws a clear error when the CLI or the connector has not been built. */
export function assertBuilt(): void {
  for (const f of [SERVO_BIN, CONNECTOR_DIST]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (cd /work/main && npx tsc -b packages/servo packages/servo-webhooks)`);
  }
}

/** What a CLI run produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the subprocess, ms. */
  durationMs: number;
}

/** Options of {@link runServo}. */
export interface RunOptions {
  /** servo.yaml to pass with `--config`. */
  config?: string;
  cwd?: string;
  /** Added to the test process's environment. */
  env?: Record<string, string | undefined>;
  /** Kill the subprocess after this long (default 60 s). */
  timeoutMs?: number;
}

/** Runs `servo [--config FILE] ...args` and resolves when it exits. */
export function runServo(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
  const argv = [SERVO_BIN, ...(opts.config ? ['--config', opts.config] : []), ...args];
  const env: Record<string, string | undefined> = { ...process.env, SERVO_LOG_LEVEL: 'warn', ...opts.env };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: opts.cwd ?? process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`servo ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}
