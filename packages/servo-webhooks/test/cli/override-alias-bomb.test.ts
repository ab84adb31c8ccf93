/**
 * An alias bomb in a `SERVO_*` override is a located configuration error
 * naming the variable (exit 2), not an internal error. In-process CLI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:\n  webhooks:\n    - {events: after:measure, url: "http://127.0.0.1:9/x", secret: s}\n`);
});
afterEach(() => asm.remove());

/** `{a0: &a0 [x, x, ...], a1: &a1 [*a0, *a0, ...], ...}`: 10^levels expansions. */
function aliasBomb(levels: number): string {
  const parts = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    parts.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `{${parts.join(', ')}}`;
}

describe('an alias bomb in an override', () => {
  it('SERVO_WEBHOOKS_MAX_QUEUE is a config error naming the variable, exit 2', async () => {
    const run = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_WEBHOOKS_MAX_QUEUE: aliasBomb(9) } });
    expect(run.stderr).not.toContain('internal error');
    expect(run.stderr).toMatch(/environment variable SERVO_WEBHOOKS_MAX_QUEUE: cannot read its value: it expands too many YAML aliases/);
    expect(run.code).toBe(2);
  });
});
