/**
 * `servo optimizer fake`: located plan errors (exit 2), and the built command
 * as a subprocess driven over HTTP: the live lines, the summary, the record
 * file, and `--exit-when-done`'s exit code.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finished, runCli, startServo } from '../../../../test-support/index.js';
import { driver } from './driver.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function planFile(text: string): string {
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, text);
  return file;
}

/** Starts the built `servo optimizer fake`; resolves once it listens, with its endpoint. */
async function startFake(args: string[]): Promise<{ child: ChildProcess; endpoint: string; run: ReturnType<typeof finished> }> {
  const child = startServo(['optimizer', 'fake', ...args], { cwd: dir });
  const run = finished(child, 30_000, 'servo optimizer fake');
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+), optimizer (\S+),/.exec(out);
      if (m) resolve(`${m[1]}/accounts/${m[2]!.replace('/', '/applications/')}/servo`);
    });
    run.then(
      (r) => reject(new Error(`exited with ${r.code} before listening: ${r.stderr}`)),
      (err: unknown) => reject(err),
    );
  });
  return { child, endpoint: url, run };
}

describe('servo optimizer fake', () => {
  it('exits 2 with each plan problem located (file:line:column: field: message (fix: ...))', async () => {
    const file = planFile('- describe\n- measure: {control: {duration: soon}}\n- adjust: {settings: {web.replicas: 2}}\n  expect: done\n');
    const run = await runCli(['optimizer', 'fake', '--plan', file]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^servo: ${file}:2:33: \\[1\\]\\.measure\\.control\\.duration: expected a duration .*, got "soon" \\(fix: .*\\)$`));
    expect(lines[1]).toBe(
      `servo: ${file}:4:11: [2].expect: unknown status "done"; expected one of ok, failed, rejected, cancelled, aborted (fix: write e.g. "expect: ok")`,
    );
  });

  it('exits 2 for a missing plan file and a bad port', async () => {
    const missing = await runCli(['optimizer', 'fake', '--plan', join(dir, 'nope.yaml')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain(`${join(dir, 'nope.yaml')}: plan file not found (fix: pass the path of a plan file (YAML) to --plan)`);
    const port = await runCli(['optimizer', 'fake', '--plan', planFile('- describe\n'), '--port', 'http']);
    expect(port).toMatchObject({ code: 2 });
    expect(port.stderr).toContain('--port http: expected a port number from 0 to 65535');
  });

  it('--exit-when-done: prints each exchange and the summary, records, exits 0 after GOODBYE when every step went as planned', async () => {
    const record = join(dir, 'record.jsonl');
    const file = planFile('- describe\n- measure: {control: {duration: 1s}}\n  expect: ok\n');
    const { endpoint, run } = await startFake(['--plan', file, '--exit-when-done', '--token', 'sekrit-token', '--record', 'record.jsonl']);
    const { post, next, reply } = driver({ endpoint }, 'sekrit-token');
    await post('HELLO', { agent: 'servo-core v0.1.0', telemetry: {} });
    await reply('DESCRIPTION', (await next()).cmd_uid);
    await reply('MEASUREMENT', (await next()).cmd_uid);
    expect((await next()).cmd).toBe('SLEEP');
    await post('GOODBYE', { reason: 'SIGTERM' });
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\] <- HELLO from "servo-core v0\.1\.0"/);
    expect(result.stdout).toMatch(/\] -> MEASURE duration 1s \(step 2, cmd_uid 2-[0-9a-f]{6}\)/);
    expect(result.stdout).toMatch(/\] <- MEASUREMENT ok \(step 2\) - as expected/);
    expect(result.stdout).toContain('fake optimizer: plan');
    expect(result.stdout).toContain('result: every step as planned');
    expect(result.stdout).toMatch(/\] <- GOODBYE, reason "SIGTERM"/);
    expect(result.stdout + result.stderr).not.toContain('sekrit-token');
    expect(readFileSync(join(dir, 'record.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(7);
    expect(readFileSync(record, 'utf8')).not.toContain('sekrit-token');
  });

  it('--exit-when-done exits 1 when an expectation failed', async () => {
    const { endpoint, run } = await startFake(['--plan', planFile('- adjust: {settings: {web.replicas: 5}}\n  expect: cancelled\n'), '--exit-when-done']);
    const { post, next, reply } = driver({ endpoint });
    await reply('ADJUSTMENT', (await next()).cmd_uid);
    await post('GOODBYE', { reason: 'SIGTERM' });
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^1 +ADJUST +ok +success +cancelled +FAILED: expected status cancelled; got status ok, reason "success"$/m);
    expect(result.stderr).toContain('the fake optimizer plan did not go as planned');
  });

  it('without --exit-when-done keeps answering SLEEP after GOODBYE, until SIGTERM', async () => {
    const { child, endpoint, run } = await startFake(['--plan', planFile('- describe\n')]);
    const { post, next, reply } = driver({ endpoint });
    await reply('DESCRIPTION', (await next()).cmd_uid);
    await post('GOODBYE', { reason: 'SIGTERM' });
    expect((await next()).cmd).toBe('SLEEP');
    child.kill('SIGTERM');
    expect((await run).code).toBe(0);
  });
});
