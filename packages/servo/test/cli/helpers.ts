/**
 * Runs the built `servo` executable (packages/servo/dist/cli/main.js) as a
 * subprocess. Build it first: `npx tsc -b packages/servo` (`npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { WORKSPACE } from '../connector/project.js';

import { tempDir } from '../connector/project.js';
export { tempDir, writeFiles } from '../connector/project.js';

/** The built CLI entry point. */
export const MAIN = join(WORKSPACE, 'packages', 'servo', 'dist', 'cli', 'main.js');

/** How a CLI run ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link servo}. */
export interface CliOptions {
  /** Working folder; pick one unrelated to the project to prove paths resolve against servo.yaml. */
  cwd: string;
  /** Added to the environment (which is stripped of SERVO_* variables). */
  env?: Record<string, string>;
  /** Kill the process after this long (generous: a loaded machine is slow). */
  timeoutMs?: number;
}

/** The environment of a CLI run: ours, minus anything that would change servo's behaviour. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERVO_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

/** Starts `node main.js ...args` without waiting for it. */
export function startServo(args: readonly string[], options: CliOptions): ChildProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build it with \`npx tsc -b packages/servo\``);
  return spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `node main.js ...args` to completion. */
export function servo(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const child = startServo(args, options);
  return finished(child, options.timeoutMs ?? 20_000);
}

/** Collects a child's output until it exits; kills it after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`servo did not finish within ${timeoutMs}ms; stderr so far:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export { read, script } from '../scripts/helpers.js';

/** True when `dir/name` exists. */
export function exists(dir: string, name: string): boolean {
  return existsSync(join(dir, name));
}

/** A stack trace line, which the CLI must never print for expected failures. */
export const STACK_LINE = /^\s+at .+[:(]\d+/m;

/** The folders of one CLI test: a project (holding servo.yaml) and an unrelated working folder. */
export interface ProjectFolders {
  /** The project folder. */
  readonly project: string;
  /** An unrelated working folder: the CLI must find everything through --config. */
  readonly elsewhere: string;
  /** `servo.yaml` in the project folder. */
  readonly config: string;
}

/**
 * Registers hooks that give every test of the calling file fresh folders
 * (removed after the test); `prepare` may fill the project first.
 */
export function useProjectFolders(prefix: string, prepare?: (project: string) => Promise<void>): ProjectFolders {
  const folders = { project: '', elsewhere: '', config: '' };
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    const p = await tempDir(prefix);
    const e = await tempDir('servo-cwd-');
    cleanups.push(p.cleanup, e.cleanup);
    Object.assign(folders, { project: p.dir, elsewhere: e.dir, config: join(p.dir, 'servo.yaml') });
    await prepare?.(p.dir);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  return folders;
}
