/**
 * Programs of the OS some tests run (python3, openssl). Such a test skips only
 * outside CI: `.ci/run` installs the programs, so in CI a missing one fails
 * the test instead of skipping it silently.
 * @module
 */
import { execFileSync } from 'node:child_process';

/** True when `command args` runs and exits 0. */
export function hasCommand(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when a test needing `command` should be skipped: the program is missing and this is not CI. */
export function skipWithout(command: string, args?: string[]): boolean {
  return !process.env.CI && !hasCommand(command, args);
}
