/**
 * Credentials in a webhook URL (`http://alice:pass@host/hook`, or a token
 * alone, `http://ghp_xxx@host/hook`) are sent as `Authorization: Basic`, as
 * curl does, and the whole user info is masked in every output. In-process
 * CLI, a receiver on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
let rx: Receiver;

beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver((req) => (req.header('authorization') ? { status: 204 } : { status: 401 }));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'debug' } });

function config(userinfo: string, extra = ''): void {
  asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  - name: audit
    events: after:measure
    url: http://${userinfo}@127.0.0.1:${new URL(rx.origin).port}/hook
    secret: s
    backoff: false
${extra}`);
}

describe('a URL with user info', () => {
  it.each([
    ['alice:p%40ss', 'alice:p@ss', 'p%40ss'],
    ['ghp_0123456789abcdef', 'ghp_0123456789abcdef:', 'ghp_0123456789abcdef'],
  ])('%s is sent as Authorization: Basic and never shown', async (userinfo, decoded, secretPart) => {
    config(userinfo);
    const run = await cli('measure');
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.header('authorization')).toBe(`Basic ${Buffer.from(decoded).toString('base64')}`);
    expect(run.stdout + run.stderr).not.toContain(secretPart);
    for (const args of [['config'], ['--output', 'json', 'webhooks', 'list'], ['webhooks', 'list'], ['webhooks', 'trigger', 'after:measure']]) {
      const shown = await cli(...args);
      expect(shown.stdout + shown.stderr, args.join(' ')).not.toContain(secretPart);
      expect(shown.stdout, args.join(' ')).toContain('***@127.0.0.1');
    }
  });

  it('with an Authorization header too is a located error: keep one', async () => {
    config('alice:pass', '    headers: {Authorization: "Bearer x"}\n');
    const run = await cli('validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/servo\.yaml:\d+:\d+.*webhooks\[0\]\.url: the URL carries credentials/);
    expect(run.stderr).not.toContain('pass');
  });
});
