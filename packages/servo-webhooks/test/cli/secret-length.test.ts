/** A webhook secret shorter than 16 bytes gets a warning from `servo check`; an empty one gets one error, not two. In-process CLI, a receiver on 127.0.0.1. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
let rx: Receiver;
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const config = (secret: string) =>
  asm.writeConfig(`webhooks:\n  - name: audit\n    events: after:measure\n    url: ${rx.url('/hook')}\n    secret: ${secret}\n`);

it('an empty secret is one located error', async () => {
  config('""');
  const r = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/servo\.yaml:5:\d+: webhooks\[0\]\.secret: the secret cannot be empty/);
});

it('a secret under 16 bytes passes validate and is a warning of servo check, never shown', async () => {
  config('tiny-secret');
  expect((await runCli(['validate'], { config: asm.configFile, cwd: asm.dir })).code).toBe(0);
  const check = await runCli(['--output', 'json', 'check'], { config: asm.configFile, cwd: asm.dir });
  expect(check.code).toBe(0);
  expect(check.stdout).toContain('its secret is 11 bytes, shorter than 16: a short secret can be guessed');
  expect(check.stdout + check.stderr).not.toContain('tiny-secret');
  config('a-secret-of-more-than-16-bytes');
  const long = await runCli(['--output', 'json', 'check'], { config: asm.configFile, cwd: asm.dir });
  expect(long.stdout).not.toContain('shorter than 16');
});
