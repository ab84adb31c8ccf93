/**
 * `servo generate --defaults webhooks`: gate-only fields only on the
 * before-webhook, a section added to an existing servo.yaml (its comments
 * kept), and a note to move the generated secret into the environment.
 * In-process CLI, real files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly();
});
afterEach(() => asm.remove());

it('writes deadline and failure_policy only on the before-webhook', async () => {
  const r = await runCli(['generate', '--defaults', 'webhooks', '--stdout'], { cwd: asm.dir });
  expect(r.code).toBe(0);
  const hooks = (parse(r.stdout) as { webhooks: { webhooks: Record<string, unknown>[] } }).webhooks.webhooks;
  const after = hooks.find((w) => String(w.events).startsWith('after:'))!;
  const before = hooks.find((w) => String(w.events).startsWith('before:'))!;
  expect(after).not.toHaveProperty('deadline');
  expect(after).not.toHaveProperty('failure_policy');
  expect(before).toMatchObject({ deadline: '30s', failure_policy: 'fail' });
});

it('adds a section to an existing servo.yaml, keeping what is there, and says to move the secret to the environment', async () => {
  const file = join(asm.dir, 'servo.yaml');
  writeFileSync(file, '# my servo\nname: shop\nscripts:\n  on:\n    measure: [./measure.sh]\n');
  const r = await runCli(['generate', 'webhooks'], { cwd: asm.dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`added webhooks to ${file}\n`);
  expect(r.stdout).toContain('note: the webhooks section holds a generated secret in plain text: move it to the environment');
  expect(r.stdout).toContain('secret: ${WEBHOOK_SECRET}');
  const text = readFileSync(file, 'utf8');
  expect(text).toMatch(/^# my servo\nname: shop\nscripts:/);
  expect(text).toMatch(/^webhooks:$/m);
  expect((await runCli(['validate'], { cwd: asm.dir })).code).toBe(0);
  // Once there, the section is not added again.
  const again = await runCli(['generate', 'webhooks'], { cwd: asm.dir });
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('already has a section "webhooks"');
});
