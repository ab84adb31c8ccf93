/**
 * CLI test helpers: the shared runners of test-support (in-process `runCli`,
 * subprocess `servo`/`startServo` of the built executable: `npm test` builds
 * first) and the folders of a CLI test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type CliRun, type ProcessOptions, runServo, SERVO_BIN } from '../../../../test-support/index.js';
import { tempDir } from '../connector/project.js';

export { type CliRun, cliEnv, finished, runCli, startServo } from '../../../../test-support/index.js';
export { tempDir, writeFiles } from '../connector/project.js';

/** The built CLI entry point. */
export const MAIN = SERVO_BIN;

/** Options of {@link servo}: `cwd` is required, to prove paths resolve against servo.yaml rather than the working folder. */
export type CliOptions = ProcessOptions & { cwd: string };

/** Runs the built `node main.js ...args` as a subprocess to completion (killed after 20 s unless `timeoutMs` says otherwise). */
export function servo(args: readonly string[], options: CliOptions): Promise<CliRun> {
  return runServo(args, { timeoutMs: 20_000, ...options });
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
