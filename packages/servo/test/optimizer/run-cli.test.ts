/** `servo run` as a process against a scripted optimizer: signals, exit codes, the token never printed. */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOptimizer } from '../../src/optimizer/fake/index.js';
import { finished, startServo, tempDir } from '../cli/helpers.js';
import { startOptimizer, type TestOptimizer } from './optimizer.js';

const TOKEN = 'sekrit-token-456';
const cleanups: (() => Promise<void>)[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function project(opt: TestOptimizer | undefined, scripts: string): Promise<string> {
  const t = await tempDir('opt-run-');
  cleanups.push(t.cleanup);
  const optimizer = opt ? `optimizer:\n  url: ${opt.url}\n  token: \${TOK}\n  progress_interval: 200ms\n` : '';
  await writeFile(join(t.dir, 'servo.yaml'), `name: looper\n${optimizer}scripts:\n${scripts}`);
  return join(t.dir, 'servo.yaml');
}

async function optimizer(plan: unknown[]): Promise<TestOptimizer> {
  const opt = await startOptimizer(plan);
  cleanups.push(() => opt.close());
  return opt;
}

describe('servo run with an optimizer', () => {
  it('SIGTERM mid-measure: the measure is reported aborted, GOODBYE says SIGTERM, exit 0', async () => {
    const opt = await optimizer([{ cmd: 'MEASURE', cmd_uid: 'm', param: { control: { duration: 30 } } }]);
    const config = await project(opt, '  on:\n    measure: ["sleep 30"]\n');
    child = startServo(['run'], { config, env: { TOK: TOKEN } });
    const done = finished(child, 20_000);
    await opt.waitFor((e) => e.event === 'WHATS_NEXT', 1, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    expect(opt.replies()[0].param).toMatchObject({ status: 'aborted', reason: 'shutdown', cmd_uid: 'm' });
    expect(opt.envelopes().at(-1)).toMatchObject({ event: 'GOODBYE', param: { reason: 'SIGTERM' } });
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('SIGTERM during SLEEP: stops at once with GOODBYE, exit 0', async () => {
    const opt = await optimizer([{ cmd: 'SLEEP', param: { duration: 600 } }]);
    const config = await project(opt, '  on: {}\n');
    child = startServo(['run'], { config, env: { TOK: TOKEN } });
    const done = finished(child, 20_000);
    await opt.waitFor((e) => e.event === 'WHATS_NEXT', 1, 15_000);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(opt.envelopes().at(-1)).toMatchObject({ event: 'GOODBYE', param: { reason: 'SIGTERM' } });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a second %s ends the process at once, even while shutdown is still running', async (signal) => {
    const fake = await startFakeOptimizer({ plan: [{ sleep: '600s' }], token: TOKEN, id: 'example.com/app' });
    cleanups.push(() => fake.close());
    const t = await tempDir('opt-second-signal-');
    cleanups.push(t.cleanup);
    const config = join(t.dir, 'servo.yaml');
    // The shutdown event's handler takes 20 s: the first signal's clean stop waits for it.
    await writeFile(
      config,
      `optimizer:\n  id: ${fake.id}\n  base_url: ${fake.url}\n  token: \${TOK}\nscripts:\n  on:\n    shutdown: ["echo stopping > shutdown.marker; sleep 20"]\n`,
    );
    child = startServo(['run'], { config, cwd: t.dir, env: { TOK: TOKEN } });
    const done = finished(child, 20_000);
    const sleeping = () => fake.records.some((r) => r.event === 'WHATS_NEXT' && (r.answer as { cmd?: string } | undefined)?.cmd === 'SLEEP');
    for (let i = 0; i < 150 && !sleeping(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(sleeping()).toBe(true);
    child.kill(signal);
    await fake.done; // GOODBYE: the first signal was taken as a clean stop
    for (let i = 0; i < 100 && !existsSync(join(t.dir, 'shutdown.marker')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(t.dir, 'shutdown.marker'))).toBe(true); // the shutdown handler is running
    expect(child.exitCode).toBeNull();
    const t0 = performance.now();
    child.kill(signal);
    const run = await done;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(run.signal).toBe(signal); // the signal's default action: no further cleanup
    expect(fake.records.filter((r) => r.event === 'GOODBYE').map((r) => (r.message as { param: unknown }).param)).toEqual([{ reason: signal }]);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('401: exit 1 with a message naming the optimizer URL, never the token', async () => {
    const opt = await optimizer([]);
    opt.intercept = () => ({ status: 401, body: 'who are you' });
    const config = await project(opt, '  on: {}\n');
    child = startServo(['run'], { config, env: { TOK: TOKEN } });
    const run = await finished(child, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${opt.url}servo`);
    expect(run.stderr).toContain('HTTP 401');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('without an optimizer: runs as before and says so at info level', async () => {
    const config = await project(undefined, '  on: {}\n');
    child = startServo(['run'], { config });
    const done = finished(child, 20_000);
    let seen = '';
    await new Promise<void>((resolve) => {
      child!.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('no optimizer is configured')) resolve();
      });
    });
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    const line = JSON.parse(run.stderr.split('\n').find((l) => l.includes('no optimizer is configured'))!);
    expect(line.level).toBe(30);
    expect(line.msg).toContain('resumption of webhook backlogs');
  });
});
