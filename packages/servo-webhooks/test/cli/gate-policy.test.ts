/**
 * Gates that fail safe: a before-webhook defaults to `failure_policy: fail`;
 * an answer outside the cancel protocol is quoted (status and `reason`, or an
 * excerpt); a 2xx that looks like a refusal warns with the content type to
 * use; `failure_policy` on an after-webhook is a located error. In-process CLI,
 * receivers on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { SCRIPTS_SECTION } from '../helpers/assembly.js';
import { useGateProject } from '../helpers/gate.js';

const g = useGateProject(undefined, { written: false });
const gate = (extra = ''): void => g.write(extra);

const cli = (...args: string[]) => runCli(args, { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });

describe('a before-webhook without failure_policy', () => {
  it('a 403 with a reason cancels, quoting the status and the reason', async () => {
    g.rx.respond = () => ({ status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'change freeze' }) });
    gate();
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('webhook "window" answered 403: change freeze');
    expect(g.asm.adjustRan()).toBe(false);
  });

  it('a 503 with a text body cancels, quoting a short excerpt, escaped and on one line', async () => {
    g.rx.respond = () => ({ status: 503, body: `maintenance \u001b[31m until\nmidnight ${'x'.repeat(5000)}` });
    gate();
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('webhook "window" answered 503: maintenance \\u001b[31m until midnight xxx');
    expect(run.stderr.length).toBeLessThan(1000);
    expect(g.asm.adjustRan()).toBe(false);
  });

  it('an unreachable gate cancels, naming the webhook', async () => {
    const url = g.rx.url('/gate');
    await g.rx.close();
    g.asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: window
    events: before:adjust
    url: ${url}
    secret: gate-secret
    backoff: false
`);
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/webhook "window" could not be consulted: .*failure_policy: fail/);
    expect(g.asm.adjustRan()).toBe(false);
  });

  it('failure_policy: ignore still proceeds on a 403, logging the quoted answer', async () => {
    g.rx.respond = () => ({ status: 403, body: JSON.stringify({ reason: 'change freeze' }) });
    gate('    failure_policy: ignore\n');
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(0);
    expect(g.asm.adjustRan()).toBe(true);
    expect(run.stderr).toContain('answered 403: change freeze');
  });
});

describe('a 2xx that looks like a refusal', () => {
  it.each([[{ allowed: false }], [{ deny: true }], [{ reason: 'outside the change window' }]])(
    '%j proceeds with a warning naming the cancel content type',
    async (body) => {
      g.rx.respond = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      gate();
      const run = await cli('adjust', 'web.cpu=1');
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('application/vnd.opsani.servo.errors.CancelEventError+json');
      expect(run.stderr).toContain('looks like a refusal');
    },
  );

  it('an ordinary 2xx proceeds without a warning', async () => {
    g.rx.respond = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) });
    gate();
    const run = await cli('adjust', 'web.cpu=1');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('failure_policy on an after-webhook', () => {
  it('is a located error: it has no failure policy', async () => {
    g.asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: audit
    events: after:measure
    url: ${g.rx.url()}
    secret: s
    failure_policy: ignore
`);
    const run = await cli('validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/servo\.yaml:\d+:\d+.*failure_policy.*before: events only/);
  });

  it('servo webhooks list shows no policy for it and fail for a gate', async () => {
    g.asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: audit
    events: after:measure
    url: ${g.rx.url()}
    secret: s
  - name: window
    events: before:adjust
    url: ${g.rx.url()}
    secret: s
`);
    const run = await cli('--output', 'json', 'webhooks', 'list');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { name: string; failure_policy: string | null }[];
    expect(rows.map((r) => [r.name, r.failure_policy])).toEqual([
      ['audit', null],
      ['window', 'fail'],
    ]);
  });
});
