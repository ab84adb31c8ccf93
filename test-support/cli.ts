/**
 * Two ways to run the `servo` CLI.
 *
 * - {@link runCli} runs it in-process from the sources: the public surface,
 *   and the default for CLI tests.
 * - {@link runServo} runs the built executable as a subprocess, for what only
 *   a process shows (exit codes of the bin, signals, several processes,
 *   installation) and for cases root would bypass (`user: 'nobody'` runs it
 *   as uid/gid 65534). Build first: `npm test` does.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { runCli as runCliInProcess } from '../packages/servo/src/cli/program.js';
import { WORKSPACE } from './paths.js';

/** The built CLI entry point of servo-core. */
export const SERVO_BIN = `${WORKSPACE}/packages/servo/dist/cli/main.js`;

/** uid and gid of `nobody`: a user root's permission bypass does not apply to. */
export const NOBODY = 65534;

/** How a CLI run ended. */
export interface CliRun {
  code: number | null;
  /** The signal that ended a subprocess; always null in-process. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run, ms. */
  durationMs: number;
}

/** Options of a CLI run. */
export interface CliOptions {
  /** servo.yaml to pass with `--config` (put before the arguments). */
  config?: string;
  /** Working folder (default: the test process's); pick one unrelated to the project to prove paths resolve against servo.yaml. */
  cwd?: string;
  /** Added to the environment (which is stripped of SERVO_* and NODE_OPTIONS); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/** Options of {@link runServo} and {@link startServo}. */
export interface ProcessOptions extends CliOptions {
  /** Kill the process after this long (default 60 s: a loaded machine is slow). */
  timeoutMs?: number;
  /**
   * `'nobody'` runs the process as an unprivileged user, for cases root would bypass (unreadable
   * files, read-only folders): as uid/gid 65534 when the tests run as root (as on CI), else as the
   * test's own user. The files it needs must be readable (folders enterable) by that user.
   */
  user?: 'nobody';
}

/** The environment of a CLI run: the test's, minus anything that would change servo's behaviour, plus `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SERVO_') && k !== 'NODE_OPTIONS') env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const argvOf = (args: readonly string[], opts: CliOptions): string[] => [...(opts.config ? ['--config', opts.config] : []), ...args];

/** A stream that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `servo [--config FILE] ...args` in this process (from the sources) and resolves with its exit code and output. */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const started = performance.now();
  const code = await runCliInProcess(argvOf(args, opts), { stdout, stderr, cwd: opts.cwd ?? process.cwd(), env: cliEnv(opts.env) });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text, durationMs: performance.now() - started };
}

/** Starts `node main.js [--config FILE] ...args` without waiting for it. */
export function startServo(args: readonly string[], opts: ProcessOptions = {}): ChildProcess {
  if (!existsSync(SERVO_BIN)) throw new Error(`${SERVO_BIN} is missing: build first (npm run build)`);
  const user = opts.user === 'nobody' && process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
  return spawn(process.execPath, [SERVO_BIN, ...argvOf(args, opts)], {
    cwd: opts.cwd ?? process.cwd(),
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...user,
  });
}

/** Runs the built `servo [--config FILE] ...args` as a subprocess to completion. */
export function runServo(args: readonly string[], opts: ProcessOptions = {}): Promise<CliRun> {
  return finished(startServo(args, opts), opts.timeoutMs ?? 60_000, `servo ${args.join(' ')}`);
}

/** Collects a child's output until it exits; kills it and rejects after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number, what = 'servo'): Promise<CliRun> {
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/**
 * Runs the built `servo ...args` until its stderr says `marker` (a long-running
 * command such as `servo run`), then stops it with SIGTERM and returns the
 * whole run. Rejects when it exits before saying so.
 */
export async function runServoUntil(args: readonly string[], marker: string, opts: ProcessOptions = {}): Promise<CliRun> {
  const child = startServo(args, opts);
  const done = finished(child, opts.timeoutMs ?? 30_000, `servo ${args.join(' ')}`);
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer | string) => {
      seen += d.toString();
      if (seen.includes(marker)) resolve();
    });
    child.once('exit', () => reject(new Error(`servo ${args.join(' ')} exited before saying "${marker}":\n${seen}`)));
  });
  child.kill('SIGTERM');
  return done;
}
