/**
 * A value that came from `${VAR}` or a `SERVO_*` override is never echoed in
 * a configuration error: the message names the variable instead. Every field
 * whose check quotes its value, through `servo validate` in-process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

const SECRET = 'hunter2-very-secret';
let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly();
});
afterEach(() => asm.remove());

function webhook(lines: string, top = ''): string {
  return `${SCRIPTS_SECTION}webhooks:
${top}  webhooks:
    - name: hook
      url: http://127.0.0.1:9/hook
      secret: s
${lines}`;
}

const validate = (env: Record<string, string>) => runCli(['validate'], { config: asm.configFile, cwd: asm.dir, env });

describe('a bad value from the environment', () => {
  it.each([
    ['timeout', '      events: after:measure\n      timeout: "${SECRET_A}"\n'],
    ['channel selector', '      channels: "${SECRET_A}"\n'],
    ['response_channel', '      events: after:measure\n      response_channel: "${SECRET_A}"\n'],
    ['header name', '      events: after:measure\n      headers: [{name: "${SECRET_A}", value: v}]\n'],
    ['events', '      events: "${SECRET_A}"\n'],
  ])('%s: the error names $SECRET_A, never its value', async (_field, lines) => {
    asm.writeConfig(webhook(lines));
    const run = await validate({ SECRET_A: `${SECRET}[(` });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).toContain('SECRET_A');
  });

  it('name from ${VAR}', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  - name: "\${SECRET_A}"
    events: after:measure
    url: http://127.0.0.1:9/hook
    secret: s
`);
    const run = await validate({ SECRET_A: `${SECRET} with spaces!` });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).toContain('SECRET_A');
  });

  it('ca_file from ${VAR}', async () => {
    asm.writeConfig(webhook('      events: after:measure\n', '  ca_file: "${SECRET_A}"\n'));
    const run = await validate({ SECRET_A: `/nonexistent/${SECRET}.pem` });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).toContain('SECRET_A');
  });

  it.each([['SERVO_WEBHOOKS_DRAIN_TIMEOUT'], ['SERVO_WEBHOOKS_STORE'], ['SERVO_WEBHOOKS_CA_FILE']])(
    'the override %s is named, its value never shown',
    async (variable) => {
      asm.writeConfig(webhook('      events: after:measure\n'));
      const run = await validate({ [variable]: `OVERRIDE${SECRET}` });
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain(SECRET);
      expect(run.stderr).toContain(variable);
    },
  );
});
