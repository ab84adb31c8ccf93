/** `servo run` as a child process: runs until a signal, then shuts down cleanly. */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exists, finished, read, startServo, tempDir, writeFiles, type CliRun } from './helpers.js';

let project: string;
let elsewhere: string;
let child: ChildProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  const p = await tempDir('servo-run-');
  const e = await tempDir('servo-cwd-');
  cleanups.push(p.cleanup, e.cleanup);
  project = p.dir;
  elsewhere = e.dir;
  await writeFiles(project, {
    'servo.yaml': `name: runner
scripts:
  on:
    startup: ["echo started > startup.marker"]
    shutdown: ["echo on > shutdown-on.marker"]
  after:
    shutdown: ["cat > shutdown-after.json"]
`,
  });
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** Resolves once the child logs the JSON line `msg`; rejects if it exits first or takes over `ms`. */
function logged(proc: ChildProcess, msg: string, ms: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${ms}ms; stderr:\n${buffer}`)), ms);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === msg) {
            clearTimeout(timer);
            proc.stderr!.off('data', onData);
            resolve(entry);
            return;
          }
        } catch {
          // a partial line
        }
      }
    };
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`servo exited (${code}) before logging "${msg}"; stderr:\n${buffer}`));
    });
  });
}

async function runUntil(signal: NodeJS.Signals): Promise<{ running: Record<string, unknown>; result: CliRun }> {
  child = startServo(['--config', join(project, 'servo.yaml'), 'run'], { cwd: elsewhere });
  const exit = finished(child, 30_000);
  const running = await logged(child, 'servo running', 20_000);
  // startup was dispatched before the servo said it is running, and it keeps running.
  expect(await read(project, 'startup.marker')).toBe('started\n');
  await new Promise((r) => setTimeout(r, 300));
  expect(child.exitCode).toBeNull();
  expect(exists(project, 'shutdown-on.marker')).toBe(false);
  child.kill(signal);
  return { running, result: await exit };
}

describe('servo run', () => {
  it('logs that it is running, and on SIGTERM dispatches shutdown (on and after) and exits 0', async () => {
    const { running, result } = await runUntil('SIGTERM');

    expect(running).toMatchObject({ servo: 'runner', connectors: ['scripts'] });
    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
    expect(await read(project, 'shutdown-on.marker')).toBe('on\n');
    // The after script received the (empty) results of the on handlers and the parameters.
    expect(JSON.parse(await read(project, 'shutdown-after.json'))).toEqual({ params: {}, results: [] });
    const messages = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual([
      'servo running',
      'no optimizer is configured (--optimizer, OPSANI_OPTIMIZER or the optimizer: section of servo.yaml): no optimization loop runs, ' +
        'and nothing triggers measure or adjust (run `servo measure` or `servo adjust` for that, e.g. from cron); ' +
        'the startup and shutdown events, channels and the resumption of webhook backlogs still happen until SIGINT or SIGTERM',
      'servo stopping',
      'servo stopped',
    ]);
  });

  it('stops the same way on SIGINT', async () => {
    const { result } = await runUntil('SIGINT');

    expect(result.code).toBe(0);
    expect(exists(project, 'shutdown-on.marker')).toBe(true);
    expect(exists(project, 'shutdown-after.json')).toBe(true);
  });

  it('an invalid servo.yaml exits 2 without running', async () => {
    await writeFiles(project, { 'servo.yaml': 'scripts:\n  on:\n    startup: []\n' });
    child = startServo(['--config', join(project, 'servo.yaml'), 'run'], { cwd: elsewhere });

    const result = await finished(child, 20_000);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('scripts.on.startup');
    expect(exists(project, 'startup.marker')).toBe(false);
  });
});
