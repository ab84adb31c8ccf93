/**
 * `npm run demo` end to end, as a subprocess: servo run against the fake
 * optimizer, the before:adjust gate denying 5 replicas and allowing 3.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKSPACE, cliEnv, finished } from '../../../../test-support/index.js';

describe('the demo', () => {
  it('runs the loop: the denied adjustment is reported cancelled with the webhook reason, the allowed one ok', async () => {
    const child = spawn(process.execPath, [join(WORKSPACE, 'examples', 'demo', 'run.mjs')], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const run = await finished(child, 60_000, 'npm run demo');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/optimizer <- ADJUSTMENT cancelled, reason "Unable to authorize adjustment: at most 3 replicas are allowed, web asked for 5\."/);
    expect(run.stdout).toMatch(/receiver {2}after:measure from demo .*signatures verified/);
    expect(run.stdout).toMatch(/optimizer <- ADJUSTMENT ok \(step 5\) - as expected/);
    expect(run.stdout).toContain('result: every step as planned');
    expect(run.stdout).not.toContain('FAIL');
    expect(run.stdout.trimEnd().endsWith('demo: done')).toBe(true);
    expect(run.durationMs).toBeLessThan(30_000);
  });
});
