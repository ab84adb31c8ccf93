/**
 * Text a receiver sent reaches the terminal with C0/C1 controls, DEL and bidi
 * overrides escaped: a cancel reason in `servo adjust`, the reason and the
 * response body in `servo webhooks trigger`; `--output json` keeps the exact
 * strings. In-process CLI, a receiver on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { useGateProject } from '../helpers/gate.js';

const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';
const REASON = 'denied \u001b[31mRED\u001b]0;TITLE\u0007\r\nFAKE: servo: adjust succeeded \u202eevil\u009b\u007f';
const ESCAPED = 'denied \\u001b[31mRED\\u001b]0;TITLE\\u0007\\u000d\\u000aFAKE: servo: adjust succeeded \\u202eevil\\u009b\\u007f';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

const g = useGateProject(() => ({ status: 200, headers: { 'content-type': CANCEL }, body: JSON.stringify({ reason: REASON }) }));

const cli = (...args: string[]) => runCli(args, { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });

describe('remote text on the terminal', () => {
  it('servo adjust prints a cancel reason on one line, escaped', async () => {
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(RAW);
    expect(run.stderr).toContain(ESCAPED);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('servo webhooks trigger escapes the reason and the response body', async () => {
    const run = await cli('webhooks', 'trigger', 'before:adjust', 'window');
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain(`would cancel the event: ${ESCAPED}`);
    expect(run.stdout).toContain('\\u001b]0;TITLE\\u0007');
  });

  it('--output json keeps the exact strings', async () => {
    const run = await cli('--output', 'json', 'webhooks', 'trigger', 'before:adjust', 'window');
    expect(run.stdout).not.toMatch(RAW);
    const [report] = JSON.parse(run.stdout) as { reason: string; body: string }[];
    expect(report!.reason).toBe(REASON);
    expect(JSON.parse(report!.body).reason).toBe(REASON);
  });

  it('a receiver’s 5xx body in the after-webhook failure is escaped in the dead-letter table', async () => {
    g.rx.respond = () => ({ status: 500, body: 'oops \u001b[2J' });
    const run = await cli('webhooks', 'trigger', 'before:adjust', 'window');
    expect(run.stdout + run.stderr).not.toMatch(RAW);
    expect(run.stdout).toContain('oops \\u001b[2J');
  });
});
