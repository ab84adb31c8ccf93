import { spawn } from 'node:child_process';
import { startTimer } from '../../timers.js';

/** What {@link runScript} runs and how. */
export interface RunOptions {
  /** The command line, run as `<shell> -c <command>`. */
  readonly command: string;
  readonly shell: string;
  readonly cwd: string;
  /** The full environment of the process. */
  readonly env: NodeJS.ProcessEnv;
  /** Written to the process's stdin, which is then closed. */
  readonly stdin: string;
  /** Kill the process group after this many milliseconds. */
  readonly timeoutMs: number;
  /** Aborting kills the process group. */
  readonly signal?: AbortSignal;
  /** Most stdout bytes kept; default 1 MiB. */
  readonly maxStdout?: number;
  /** Most stderr bytes kept (the tail); default 64 KiB. */
  readonly maxStderr?: number;
}

/** How a script ended. */
export interface RunResult {
  /** Exit status, or `null` when ended by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Up to `maxStdout` bytes of stdout, decoded as UTF-8. */
  readonly stdout: string;
  /** True when stdout was longer than `maxStdout`. */
  readonly stdoutTruncated: boolean;
  /** The last `maxStderr` bytes of stderr. */
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Set when the process could not be started. */
  readonly spawnError?: Error;
}

/** Default bound on captured stdout: 1 MiB. */
export const DEFAULT_MAX_STDOUT = 1024 * 1024;
/** Default bound on captured stderr (its tail): 64 KiB. */
export const DEFAULT_MAX_STDERR = 64 * 1024;
// After SIGTERM, how long the group has before SIGKILL.
const KILL_GRACE_MS = 2000;
// After the shell exits, how long to wait for stdout/stderr to close: a
// background child that inherited them must not hold the handler forever.
const PIPE_GRACE_MS = 1000;

/**
 * Runs one command in its own process group, feeding `stdin` and capturing
 * bounded stdout/stderr. On timeout or abort the whole group is killed
 * (SIGTERM, then SIGKILL after a grace period). Never rejects.
 */
export function runScript(options: RunOptions): Promise<RunResult> {
  const maxStdout = options.maxStdout ?? DEFAULT_MAX_STDOUT;
  const maxStderr = options.maxStderr ?? DEFAULT_MAX_STDERR;
  if (options.signal?.aborted) {
    return Promise.resolve(notStarted({ aborted: true }));
  }

  return new Promise<RunResult>((resolve) => {
    const child = spawn(options.shell, ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true, // own process group, so a timeout kills the script's children too
      stdio: ['pipe', 'pipe', 'pipe'],
    });

    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stdoutTruncated = false;
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    let timedOut = false;
    let aborted = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;
    let done = false;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const terminate = (): void => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };

    // Any length: a timeout past 2^31-1 ms must not fire at once.
    const cancelTimer = startTimer(
      () => {
        timedOut = true;
        terminate();
      },
      options.timeoutMs,
      { unref: true },
    );
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (spawnError?: Error): void => {
      if (done) return;
      done = true;
      cancelTimer();
      clearTimeout(pipeTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Once the group leader is gone, stop escalating unless we had to kill it.
      if (!timedOut && !aborted) clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (spawnError) {
        resolve(notStarted({ spawnError }));
        return;
      }
      let err = Buffer.concat(stderr);
      if (err.length > maxStderr) err = err.subarray(err.length - maxStderr);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stdoutTruncated,
        stderr: err.toString('utf8'),
        timedOut,
        aborted,
      });
    };

    child.stdout!.on('data', (chunk: Buffer) => {
      if (stdoutBytes >= maxStdout) {
        stdoutTruncated = true;
        return;
      }
      if (stdoutBytes + chunk.length > maxStdout) {
        stdoutTruncated = true;
        chunk = chunk.subarray(0, maxStdout - stdoutBytes);
      }
      stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      stderrBytes += chunk.length;
      // Keep only the tail: drop whole chunks from the front while the rest still covers maxStderr.
      while (stderr.length > 1 && stderrBytes - stderr[0]!.length >= maxStderr) {
        stderrBytes -= stderr.shift()!.length;
      }
    });
    // The script may exit without reading its stdin.
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.stdin);

    child.on('error', (err) => {
      // A spawn failure (ENOENT shell, bad cwd) ends here without 'exit'.
      if (exit === undefined) finish(err);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      pipeTimer = setTimeout(() => finish(), PIPE_GRACE_MS);
      pipeTimer.unref();
    });
    child.on('close', () => finish());
  });
}

function notStarted(extra: { aborted?: boolean; spawnError?: Error }): RunResult {
  return {
    exitCode: null,
    signal: null,
    stdout: '',
    stdoutTruncated: false,
    stderr: '',
    timedOut: false,
    aborted: extra.aborted ?? false,
    ...(extra.spawnError ? { spawnError: extra.spawnError } : {}),
  };
}
