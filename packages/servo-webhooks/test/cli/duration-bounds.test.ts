/**
 * Durations past 2^31-1 ms (~24.8 days): the webhooks connector's bounded
 * durations are located errors at validate (naming the bound, for file values
 * and SERVO_* overrides); a scripts `timeout: 600h` does not kill the script
 * at once. In-process CLI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly();
});
afterEach(() => asm.remove());

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn', ...env } });

describe('webhooks durations past their bound', () => {
  it.each([
    ['timeout: 600h', 'webhooks[0].timeout', '1h'],
    ['deadline: 600h', 'webhooks[0].deadline', '1h'],
    ['backoff: {max_time: 900h}', 'webhooks[0].backoff.max_time', '30d'],
  ])('%s is a located error naming the bound', async (line, path, bound) => {
    asm.writeConfig(`scripts:
  on: { measure: ./measure.sh }
webhooks:
  - name: gate
    events: before:measure
    url: http://127.0.0.1:9/gate
    secret: s
    ${line}
`);
    const run = await cli(['validate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`servo\\.yaml:8:\\d+: ${path.replace(/[[\].]/g, '\\$&')}: expected at most ${bound}`));
  });

  it('an override past its bound names the variable', async () => {
    asm.writeConfig(
      'scripts:\n  on: { measure: ./measure.sh }\nwebhooks:\n  webhooks:\n    - {events: after:measure, url: "http://127.0.0.1:9/x", secret: s}\n',
    );
    const run = await cli(['validate'], { SERVO_WEBHOOKS_DRAIN_TIMEOUT: '600h' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SERVO_WEBHOOKS_DRAIN_TIMEOUT: expected at most 1d/);
  });
});

describe('a scripts timeout past 2^31-1 ms', () => {
  it('timeout: 600h lets the command finish instead of killing it at once', async () => {
    asm.writeConfig('scripts:\n  timeout: 600h\n  on:\n    metrics: ["sleep 0.3; echo \'[]\'"]\n');
    const run = await cli(['show', 'metrics']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
