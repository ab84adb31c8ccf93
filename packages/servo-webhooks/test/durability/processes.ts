/**
 * `servo run` as a long-lived subprocess the test can signal (SIGKILL to
 * crash it, SIGTERM to stop it cleanly), and a read-only look into the SQLite
 * delivery store it writes.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { SERVO_BIN } from '../helpers/cli.js';

/** A running `servo run`. */
export interface ServoRun {
  readonly child: ChildProcess;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stderr so far (logs). */
  stderr(): string;
}

/** Starts `servo --config FILE run` with `env` added to the test's environment. */
export function startServoRun(configFile: string, cwd: string, env: Record<string, string> = {}): ServoRun {
  const child = spawn(process.execPath, [SERVO_BIN, '--config', configFile, '--log-level', 'warn', 'run'], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stderr: () => stderr };
}

/** Waits for `fn` to return true, checking every `everyMs`; rejects with `what()` after `timeoutMs`. */
export async function until(fn: () => boolean, what: () => string, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!fn()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A pending row of the store file, as the next `servo run` will resume it. */
export interface PendingRow {
  id: string;
  webhook: string;
  attempts: number;
  body: Buffer;
}

let Database: typeof BetterSqlite3 | undefined;

/** Reads the store file read-only (another process may be writing it). */
export function readStore(file: string): { pending: PendingRow[]; dead: number } {
  Database ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return {
      pending: db.prepare('SELECT id, webhook, attempts, body FROM pending ORDER BY seq').all() as PendingRow[],
      dead: (db.prepare('SELECT COUNT(*) AS n FROM dead').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

/** Number of pending rows, or -1 while the file or its tables do not exist yet. */
export function pendingCount(file: string): number {
  Database ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return (db.prepare('SELECT COUNT(*) AS n FROM pending').get() as { n: number }).n;
  } catch {
    return -1;
  } finally {
    db?.close();
  }
}
