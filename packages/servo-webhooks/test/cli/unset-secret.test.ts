/**
 * A secret whose `${VAR}` is unset: commands that never sign (`webhooks list`,
 * `webhooks schema`, `servo schema`, `show`, `config`) work and say it is
 * unset; commands that sign and `validate` fail, with a fix that does not
 * suggest writing a default secret. In-process CLI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly(`${SCRIPTS_SECTION}
webhooks:
  - name: audit
    events: after:measure
    url: http://127.0.0.1:9/hook
    secret: \${AUDIT_SECRET}
`);
});
afterEach(() => asm.remove());

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn', AUDIT_SECRET: undefined } });

describe('a secret whose variable is unset', () => {
  it.each([
    [['webhooks', 'list']],
    [['webhooks', 'schema', 'after:measure']],
    [['schema', 'measure']],
    [['show', 'connectors']],
    [['show', 'events']],
    [['config']],
  ])('servo %j works and says the variable is unset', async (args) => {
    const run = await cli(...args);
    expect(run.stderr).toMatch(/note: AUDIT_SECRET is not set \(.*servo\.yaml:\d+:\d+, webhooks\[0\]\.secret\)/);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('unset-secret-placeholder');
  });

  it.each([[['validate']], [['measure']], [['check']], [['webhooks', 'trigger', 'after:measure']]])(
    'servo %j fails, naming the variable, without suggesting a default',
    async (args) => {
      const run = await cli(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/servo\.yaml:\d+:\d+.*environment variable AUDIT_SECRET is not set/);
      expect(run.stderr).toContain('export AUDIT_SECRET');
      expect(run.stderr).not.toContain(':-default');
    },
  );
});
