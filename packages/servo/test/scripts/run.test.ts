import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScript, type RunOptions } from '../../src/connectors/scripts/index.js';
import { isAlive, read, script, tempDir, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const base = (over: Partial<RunOptions>): RunOptions => ({
  command: 'true',
  shell: '/bin/sh',
  cwd: dir,
  env: { PATH: process.env.PATH },
  stdin: '',
  timeoutMs: 10_000,
  ...over,
});

describe('runScript', () => {
  it('feeds stdin, runs in cwd with env, and captures stdout, stderr and the exit status', async () => {
    const r = await runScript(
      base({ command: 'cat; echo; pwd; echo "$GREETING"; echo oops >&2; exit 3', stdin: '{"a":1}', env: { PATH: process.env.PATH, GREETING: 'hi' } }),
    );
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['{"a":1}', await realpath(dir), 'hi']);
    expect(r.stderr).toBe('oops\n');
    expect(r.timedOut).toBe(false);
  });

  it('kills the whole process group on timeout', async () => {
    const started = Date.now();
    const r = await runScript(base({ command: 'sleep 30 & echo $! > child.pid; wait', timeoutMs: 300 }));
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(await read(dir, 'child.pid'));
    expect(pid).toBeGreaterThan(0);
    expect(await waitFor(async () => !(await isAlive(pid)), 5000)).toBe(true);
  });

  it('kills the process group when the signal aborts', async () => {
    const ac = new AbortController();
    const p = runScript(base({ command: 'echo $$ > sh.pid; sleep 30', signal: ac.signal }));
    expect(await waitFor(async () => (await read(dir, 'sh.pid').catch(() => '')).trim() !== '', 5000)).toBe(true);
    ac.abort();
    const r = await p;
    expect(r.aborted).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(await isAlive(Number(await read(dir, 'sh.pid')))).toBe(false);
  });

  it('does not start when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runScript(base({ command: 'touch ran', signal: ac.signal }));
    expect(r.aborted).toBe(true);
    await expect(read(dir, 'ran')).rejects.toThrow();
  });

  it('bounds stdout and keeps the tail of stderr', async () => {
    const r = await runScript(
      base({
        command: 'i=0; while [ $i -lt 200 ]; do echo "line $i"; echo "err $i" >&2; i=$((i+1)); done',
        maxStdout: 100,
        maxStderr: 64,
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBe(100);
    expect(r.stdout.startsWith('line 0\nline 1\n')).toBe(true);
    expect(r.stderr.endsWith('err 199\n')).toBe(true);
    // Whole chunks are dropped from the front, so the tail is bounded by the limit plus one chunk.
    expect(r.stderr).not.toContain('err 0\n');
  });

  it('reports a shell that cannot be started', async () => {
    const r = await runScript(base({ shell: '/nonexistent/shell' }));
    expect(r.spawnError).toBeInstanceOf(Error);
    expect(r.exitCode).toBeNull();
  });

  it('copes with a script that does not read its stdin', async () => {
    const r = await runScript(base({ command: 'exit 0', stdin: 'x'.repeat(1024 * 1024) }));
    expect(r.exitCode).toBe(0);
  });

  it('does not wait for a background child holding stdout after the script exits', async () => {
    const started = Date.now();
    const r = await runScript(base({ command: 'sleep 30 & echo $! > bg.pid; echo done' }));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(Date.now() - started).toBeLessThan(10_000);
    process.kill(Number(await read(dir, 'bg.pid')), 'SIGKILL');
  });

  it('runs an executable script file', async () => {
    const path = await script(dir, 'hello.sh', 'echo "hello $1"');
    const r = await runScript(base({ command: `${path} world` }));
    expect(r.stdout).toBe('hello world\n');
  });
});

async function realpath(p: string): Promise<string> {
  return (await import('node:fs/promises')).realpath(p);
}
