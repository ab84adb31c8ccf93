/**
 * The fake optimizer against the real loop: the built `servo run` (a
 * subprocess) following plans that inject 503s and a 401 and cancel a running
 * measure from a progress report.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finished, startServo } from '../../../../test-support/index.js';
import { type FakeOptimizer, startFakeOptimizer } from '../../src/optimizer/fake/index.js';

const TOKEN = 'loop-test-token-5f2c';
let dir: string;
let fake: FakeOptimizer | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-loop-'));
  const script = (name: string, text: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\ncat > /dev/null\n${text}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  script(
    'describe.sh',
    `echo '{"components": [{"name": "web", "settings": [{"name": "replicas", "type": "range", "min": 1, "max": 9, "step": 1, "value": 2}]}], "metrics": [{"name": "rps", "unit": "rps"}]}'`,
  );
  script('measure.sh', `sleep 3\necho '{"readings": []}'`);
  script(
    'adjust.sh',
    `echo '{"components": [{"name": "web", "settings": [{"name": "replicas", "type": "range", "min": 1, "max": 9, "step": 1, "value": 3}]}]}'`,
  );
  writeFileSync(
    join(dir, 'servo.yaml'),
    `scripts:
  on:
    describe: [./describe.sh]
    measure: [./measure.sh]
    adjust: [./adjust.sh]
optimizer:
  id: example.com/app
  base_url: \${OPTIMIZER_URL}
  progress_interval: 200ms
`,
  );
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function runServo(url: string) {
  const child = startServo(['run'], { cwd: dir, env: { OPTIMIZER_URL: url, OPSANI_TOKEN: TOKEN } });
  return { child, run: finished(child, 30_000, 'servo run') };
}

describe('the fake optimizer and servo run', () => {
  it('503s are retried, a progress report is answered cancel and the servo replies cancelled, then the plan goes on', async () => {
    fake = await startFakeOptimizer({
      token: TOKEN,
      plan: [
        { describe: null, fail: { status: 503, times: 2 }, expect: 'ok' },
        { measure: { control: { duration: '3s' } }, cancel: { after: 1, reason: 'enough data' }, expect: 'cancelled' },
        { adjust: { settings: { 'web.replicas': 3 } }, fail: { status: 503, on: 'reply' }, expect: 'ok' },
      ],
    });
    const { child, run } = runServo(fake.url);
    const ended = await fake.planEnded;
    child.kill('SIGTERM');
    const exit = await run;
    const result = await fake.done;
    expect(exit.code, exit.stderr).toBe(0);
    expect(result.ok, fake.summary()).toBe(true);
    expect(ended.steps.map((s) => [s.command, s.status, s.injected])).toEqual([
      ['DESCRIBE', 'ok', 2],
      ['MEASURE', 'cancelled', 0],
      ['ADJUST', 'ok', 1],
    ]);
    expect(ended.steps[1]!.progress).toBeGreaterThanOrEqual(1);
    expect(ended.steps[1]!.message).toMatch(/optimizer/);
    expect(result.goodbye).toEqual({ reason: 'SIGTERM' });
    expect(exit.stdout + exit.stderr).not.toContain(TOKEN);
  });

  it('a 401 stops the servo with exit 1, naming the optimizer but not the token', async () => {
    fake = await startFakeOptimizer({ token: TOKEN, plan: [{ describe: null, fail: { status: 401 } }] });
    const { run } = runServo(fake.url);
    const exit = await run;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(fake.endpoint);
    expect(exit.stdout + exit.stderr).not.toContain(TOKEN);
    expect(fake.result().steps[0]!.state).not.toBe('replied');
  });
});
