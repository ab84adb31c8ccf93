/**
 * `servo measure` and `servo adjust` tell the truth: a connector that ran
 * the adjust command is named even when it returned no description; no
 * measure connector fails saying so and sends no after:measure webhook; a
 * failing script's stderr is shown; `--output json` prints one result object
 * for every outcome (ok, cancelled, failed). In-process CLI, a receiver on
 * 127.0.0.1, real scripts.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
let rx: Receiver;
const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';

beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver((req) =>
    req.path === '/gate' ? { status: 200, headers: { 'content-type': CANCEL }, body: '{"reason": "change freeze until Monday"}' } : { status: 204 },
  );
  const script = (name: string, text: string) => {
    writeFileSync(join(asm.dir, name), text);
    chmodSync(join(asm.dir, name), 0o755);
  };
  script('quiet-adjust.sh', '#!/bin/sh\ncat > adjusted.json\n');
  script('noisy-adjust.sh', '#!/bin/sh\ncat > /dev/null\necho "scaling web to 1.5 cores" >&2\n');
  script('failing-adjust.sh', '#!/bin/sh\necho "kubectl: deployment web not found" >&2\nexit 3\n');
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir });
const hook = (events: string, path = '/hook') => `  - name: audit
    events: ${events}
    url: ${rx.url(path)}
    secret: a-long-enough-secret-for-tests
    backoff: false
`;

describe('servo measure', () => {
  it('with no measure connector says so, exits 1 and sends no after:measure webhook', async () => {
    asm.writeConfig(`scripts:\n  on:\n    adjust: [./quiet-adjust.sh]\nwebhooks:\n${hook('after:measure')}`);
    const run = await cli('measure');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('servo: no connector answers measure, so nothing was done and no measure webhook was sent; configure a measure connector');
    expect(run.stdout).toBe('');
    const json = await cli('--output', 'json', 'measure');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'failed',
      event: 'measure',
      error: { message: expect.stringContaining('no connector answers measure') },
    });
    expect(rx.requests).toHaveLength(0);
  });

  it('--output json: a result object with each connector measurement', async () => {
    asm.writeConfig(`scripts:\n  on:\n    measure: [./measure.sh]\n`);
    const run = await cli('--output', 'json', 'measure');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ status: 'ok', event: 'measure', results: [{ connector: 'scripts', measurement: { readings: [{ value: 1234.5 }] } }] });
  });
});

describe('servo adjust', () => {
  it('names the connector that ran the adjust command even when it printed no description', async () => {
    asm.writeConfig(`scripts:\n  on:\n    adjust: [./quiet-adjust.sh]\n`);
    const run = await cli('adjust', 'web.cpu=1.5');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('adjusted by scripts');
    expect(run.stdout).not.toContain('no connector answered');
    const json = await cli('--output', 'json', 'adjust', 'web.cpu=1.5');
    expect(JSON.parse(json.stdout)).toEqual({
      status: 'ok',
      event: 'adjust',
      adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1.5 }],
      results: [{ connector: 'scripts', description: null }],
    });
  });

  it('logs what a script wrote on stderr at debug level', async () => {
    asm.writeConfig(`scripts:\n  on:\n    adjust: [./noisy-adjust.sh]\n`);
    const quiet = await cli('adjust', 'web.cpu=1.5');
    expect(quiet.stderr).not.toContain('scaling web to 1.5 cores');
    const debug = await runCli(['--log-level', 'debug', 'adjust', 'web.cpu=1.5'], { config: asm.configFile, cwd: asm.dir });
    expect(debug.code).toBe(0);
    const line = debug.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'script finished');
    expect(line).toMatchObject({ level: 20, command: './noisy-adjust.sh', exitCode: 0, stderr: 'scaling web to 1.5 cores\n' });
  });

  it('shows a failing script stderr; --output json prints a failed result object', async () => {
    asm.writeConfig(`scripts:\n  on:\n    adjust: [./failing-adjust.sh]\n`);
    const run = await cli('adjust', 'web.cpu=1.5');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('kubectl: deployment web not found');
    const json = await cli('--output', 'json', 'adjust', 'web.cpu=1.5');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ status: 'failed', event: 'adjust' });
    expect(out.error.message).toContain('kubectl: deployment web not found');
  });

  it('--output json: a cancel is a result object on stdout, with exit 1', async () => {
    asm.writeConfig(`scripts:\n  on:\n    adjust: [./quiet-adjust.sh]\nwebhooks:\n${hook('before:adjust', '/gate')}`);
    const run = await cli('--output', 'json', 'adjust', 'web.cpu=1.5');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      status: 'cancelled',
      event: 'adjust',
      by: 'webhooks',
      source: 'webhook "audit"',
      reason: 'change freeze until Monday',
    });
    expect(run.stderr).toContain('adjust cancelled by webhooks (webhook "audit"): change freeze until Monday');
  });
});
