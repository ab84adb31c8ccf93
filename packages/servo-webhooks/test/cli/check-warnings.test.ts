/**
 * `servo check` warnings per webhook: a fail-open gate, a timeout longer than
 * the deadline, a short whsec_ key (CLI in-process, receiver on 127.0.0.1),
 * and plain http:// to a host beyond this machine (the rule itself, which
 * needs no request). Warnings are shown and do not fail the command; the
 * secret is never printed.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { configSchema, type WebhookConfig } from '../../src/config/index.js';
import { webhookWarnings } from '../../src/config/warnings.js';
import { useGateProject } from '../helpers/gate.js';

const g = useGateProject(() => ({ status: 204 }), { written: false });
const SHORT_KEY = 'whsec_c2hvcnQta2V5LTE2Ynl0ZQ=='; // 16 bytes
const check = (output: 'table' | 'json' = 'table') =>
  runCli(['--output', output, 'check'], { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: 'error', COLUMNS: '400' } });

describe('servo check warnings', () => {
  it('a clean gate on 127.0.0.1 has only its ping check', async () => {
    g.asm.writeConfig(`scripts:
  on:
    adjust: [./adjust.sh]
webhooks:
  - name: window
    events: before:adjust
    url: ${g.rx.url('/gate')}
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
`);
    const run = await check('json');
    expect(run.code).toBe(0);
    const checks = JSON.parse(run.stdout) as { name: string }[];
    expect(checks.filter((c) => c.name.startsWith('webhook window'))).toHaveLength(1);
  });

  it('a rotation list is checked key by key: the short whsec_ key is named by position', async () => {
    g.asm.writeConfig(`webhooks:
  - name: window
    events: before:adjust
    url: ${g.rx.url('/gate')}
    secret: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, ${SHORT_KEY}]
`);
    const run = await check('json');
    expect(run.code).toBe(0);
    const settings = (JSON.parse(run.stdout) as { name: string; message: string }[]).find((c) => c.name === 'webhook window settings')!;
    expect(settings.message).toBe(
      'secret 2: its whsec_ key is 16 bytes, shorter than the 24 Standard Webhooks asks for; servo generate --defaults webhooks writes a new one',
    );
  });

  it('failure_policy ignore, timeout past the deadline and a short whsec_ key are WARNING rows; the command still succeeds', async () => {
    g.asm.writeConfig(`scripts:
  on:
    adjust: [./adjust.sh]
webhooks:
  - name: window
    events: before:adjust
    url: ${g.rx.url('/gate')}
    secret: ${SHORT_KEY}
    failure_policy: ignore
    timeout: 20s
    deadline: 5s
`);
    const run = await check('json');
    expect(run.code).toBe(0);
    const checks = JSON.parse(run.stdout) as { name: string; severity: string; success: boolean; message: string; hint: string }[];
    const settings = checks.find((c) => c.name === 'webhook window settings')!;
    expect(settings).toMatchObject({ severity: 'warning', success: false, hint: 'review webhook "window" in servo.yaml' });
    expect(settings.message).toContain('failure_policy: ignore: when it cannot answer');
    expect(settings.message).toContain('timeout 20s is longer than deadline 5s');
    expect(settings.message).toContain('its whsec_ key is 16 bytes, shorter than the 24');
    expect(checks.find((c) => c.name === 'webhook window answers at its URL')!.success).toBe(true);
    const table = await check();
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/webhook window settings\s+warning\s+WARNING\s+it is a gate/);
    expect(table.stdout + table.stderr).not.toContain(SHORT_KEY.slice(6));
  });

  it('a failed ping still fails the command beside a warning', async () => {
    g.write('    failure_policy: ignore\n');
    g.rx.respond = () => ({ status: 503 });
    const run = await check();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('1 of 2 checks failed');
  });
});

describe('plain http:// warning', () => {
  const w = (url: string): WebhookConfig =>
    configSchema({ events: ['measure'] }).parse([{ name: 'w', events: 'after:measure', url, secret: 'a-long-enough-secret' }]).webhooks[0]!;
  it.each(['http://hooks.example.com/x', 'http://10.0.0.5:8080/', 'http://[2001:db8::1]/'])('warns for %s', (url) => {
    expect(webhookWarnings(w(url))).toEqual([expect.stringMatching(/^its signed requests go over plain http:\/\/ to .*; use https:\/\/$/)]);
  });
  it.each(['https://hooks.example.com/x', 'http://127.0.0.1:9/', 'http://localhost/', 'http://[::1]:80/'])('not for %s', (url) => {
    expect(webhookWarnings(w(url))).toEqual([]);
  });
});
