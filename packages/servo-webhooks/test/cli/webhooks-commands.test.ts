/**
 * `servo webhooks list | schema | trigger` through the built CLI, against real
 * receivers on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';
import { jsonSchemaProblems } from '../helpers/json-schema.js';
import { deadUrl, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { hmacSha1Hex, signedWith, verifyStandard } from '../helpers/verify.js';

const SECRET = 'List-Must-Not-Show-This-77';
const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';

beforeAll(() => assertBuilt());

describe('servo webhooks list', () => {
  let asm: Assembly;
  beforeAll(() => {
    asm = makeAssembly(`webhooks:
  - name: store_measurements
    events: [after:measure, before:adjust]
    url: https://hooks.example.com/in?token=tok-123
    secret: ${SECRET}
    backoff: false
    timeout: 200ms
    failure_policy: fail
  - name: metrics_sink
    channels: metrics.*
    url: http://127.0.0.1:9/sink
    secret: ${SECRET}
    backoff: {max_tries: 4, max_time: 2m}
`);
  });
  afterAll(() => asm.remove());

  it('prints name, events, url, policy, retries and timeout, never the secret', async () => {
    const run = await runServo(['webhooks', 'list'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/NAME\s+EVENTS\s+URL\s+POLICY\s+RETRIES\s+TIMEOUT/);
    const first = lines.find((l) => l.includes('store_measurements'))!;
    expect(first).toMatch(/after:measure, before:adjust/);
    expect(first).toMatch(/https:\/\/hooks\.example\.com\/in/);
    expect(first).toMatch(/\bfail\b/);
    expect(first).toMatch(/\boff\b/);
    expect(first).toMatch(/\b200ms\b/);
    const second = lines.find((l) => l.includes('metrics_sink'))!;
    expect(second).toMatch(/channel:metrics\.\*/);
    expect(second).not.toMatch(/\b(ignore|fail)\b/); // a channel webhook has no failure policy
    expect(second).toMatch(/4 tries within 2m/);
    expect(second).toMatch(/\b10s\b/);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    expect(run.stdout).not.toContain('tok-123'); // query values may be tokens
  });

  it('--output json gives the same facts as data, without the secret', async () => {
    const run = await runServo(['--output', 'json', 'webhooks', 'list'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      connector: 'webhooks',
      name: 'store_measurements',
      events: ['after:measure', 'before:adjust'],
      failure_policy: 'fail',
      max_tries: 1,
      timeout_ms: 200,
    });
    expect(rows[1]).toMatchObject({ name: 'metrics_sink', events: ['channel:metrics.*'], max_tries: 4, max_time_ms: 120_000, timeout_ms: 10_000 });
    expect(run.stdout).not.toContain(SECRET);
    expect(run.stdout).not.toContain('secret');
  });
});

describe('servo webhooks schema', () => {
  let asm: Assembly;
  beforeAll(() => {
    asm = makeAssembly(`webhooks:\n  - {events: after:measure, url: "http://127.0.0.1:9/x", secret: s}\n`);
  });
  afterAll(() => asm.remove());

  async function schemaOf(ref: string): Promise<{ contentType: string; schema: any }> {
    const run = await runServo(['webhooks', 'schema', ref], { config: asm.configFile, cwd: asm.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [ct, blank, ...rest] = run.stdout.split('\n');
    expect(ct).toMatch(/^Content-Type: application\/\S+\+json/);
    expect(blank).toBe('');
    return { contentType: ct!.slice('Content-Type: '.length), schema: JSON.parse(rest.join('\n')) };
  }

  it('prints the Content-Type line and the JSON Schema of after:measure and before:adjust', async () => {
    const after = await schemaOf('after:measure');
    const before = await schemaOf('before:adjust');
    expect(before.contentType).toBe(after.contentType);
    expect(after.schema.properties.event).toEqual({ const: 'after:measure' });
    expect(after.schema.required).toEqual(expect.arrayContaining(['id', 'event', 'created_at', 'servo', 'webhook', 'params', 'results']));
    expect(before.schema.properties.event).toEqual({ const: 'before:adjust' });
    // Before-event bodies carry "results": null (receivers written for the original index it).
    expect(before.schema.properties.results).toMatchObject({ type: 'null' });
    expect(before.schema.required).toContain('results');
    // The before:adjust schema accepts a well-formed body and rejects a measure body.
    const body = {
      id: 'msg_1',
      event: 'before:adjust',
      created_at: '2026-01-01T00:00:00.000000+00:00',
      servo: { name: 's' },
      webhook: { name: 'w' },
      schema_version: before.schema.properties.schema_version.const,
      // A control's unset optional fields are always present, as null.
      params: {
        adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1 }],
        control: { duration: '0s', delay: '0s', warmup: '0s', settlement: null, load: null, userdata: null, environment: null },
      },
      results: null,
    };
    expect(jsonSchemaProblems(before.schema, body)).toEqual([]);
    expect(jsonSchemaProblems(before.schema, { ...body, event: 'after:measure' })).not.toEqual([]);
  });

  it('works without a servo.yaml (standard events)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'servo-webhooks-noconf-'));
    try {
      const run = await runServo(['webhooks', 'schema', 'after:measure'], { cwd: empty });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Content-Type: /);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.each([['on:measure'], ['after:nope'], ['After:measure'], ['measure']])('rejects %s with exit 2, listing the choices', async (ref) => {
    const run = await runServo(['webhooks', 'schema', ref], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(ref.includes(':') && ref.startsWith('after:') ? '"nope"' : `"${ref}"`);
    expect(run.stderr).toMatch(/before:measure, after:measure/);
    expect(run.stderr).toMatch(/before:adjust, after:adjust/);
  });
});

describe('servo webhooks trigger', () => {
  let asm: Assembly;
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
    asm = makeAssembly();
  });
  afterEach(async () => {
    await rx.close();
    asm.remove();
  });

  function config(url: string): string {
    return `webhooks:
  - name: store_measurements
    events: after:measure
    url: ${url}
    secret: ${SECRET}
    headers: {x-team: perf}
  - name: adjustment_window
    events: before:adjust
    url: ${url}
    secret: ${SECRET}
`;
  }

  it('after:measure NAME: sends a real signed request and prints status, latency and the answer; exit 0 on 2xx', async () => {
    rx.respond = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'thanks, stored' });
    asm.writeConfig(config(rx.url('/in')));
    const run = await runServo(['webhooks', 'trigger', 'after:measure', 'store_measurements'], { config: asm.configFile, cwd: asm.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.header('x-servo-signature')).toBe(hmacSha1Hex(SECRET, req.body));
    expect(verifyStandard(SECRET, req)).toEqual(req.json());
    expect(req.header('x-servo-event')).toBe('after:measure');
    expect(req.header('x-team')).toBe('perf');
    const body = req.json();
    expect(body).toMatchObject({ event: 'after:measure', webhook: { name: 'store_measurements' } });
    expect(Array.isArray(body.results)).toBe(true);
    // The representative body validates against the printed schema.
    const schemaRun = await runServo(['webhooks', 'schema', 'after:measure'], { config: asm.configFile, cwd: asm.dir });
    expect(jsonSchemaProblems(JSON.parse(schemaRun.stdout.split('\n').slice(2).join('\n')), body)).toEqual([]);

    expect(run.stdout).toMatch(/\b200\b/);
    expect(run.stdout).toMatch(/\d+(\.\d+)? ms/);
    expect(run.stdout).toContain('thanks, stored');
    expect(run.stdout).toContain(body.id);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('exits non-zero when the answer is not 2xx, and when nothing listens', async () => {
    rx.respond = () => ({ status: 500, body: 'kaput' });
    asm.writeConfig(config(rx.url('/in')));
    const failed = await runServo(['webhooks', 'trigger', 'after:measure', 'store_measurements'], { config: asm.configFile, cwd: asm.dir });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toMatch(/\b500\b/);
    expect(failed.stdout).toContain('kaput');
    expect(rx.requests).toHaveLength(1); // a trigger does not retry

    asm.writeConfig(config(await deadUrl()));
    const down = await runServo(['webhooks', 'trigger', 'after:measure', 'store_measurements'], { config: asm.configFile, cwd: asm.dir });
    expect(down.code).not.toBe(0);
    expect(down.stdout + down.stderr).toMatch(/ECONNREFUSED|network/);
  });

  it('before:adjust against a cancelling receiver says it would cancel, and why', async () => {
    const reason = 'Adjustments are only permitted between midnight and 3am.';
    rx.respond = () => ({ status: 200, headers: { 'content-type': CANCEL }, body: JSON.stringify({ reason }) });
    asm.writeConfig(config(rx.url('/gate')));
    const run = await runServo(['webhooks', 'trigger', 'before:adjust', 'adjustment_window'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/would cancel/);
    expect(run.stdout).toContain(reason);
    const gateBody = rx.requests[0]!.json();
    expect(gateBody.event).toBe('before:adjust');
    const schemaRun = await runServo(['webhooks', 'schema', 'before:adjust'], { config: asm.configFile, cwd: asm.dir });
    expect(jsonSchemaProblems(JSON.parse(schemaRun.stdout.split('\n').slice(2).join('\n')), gateBody)).toEqual([]);

    rx.respond = () => ({ status: 204 });
    const allowed = await runServo(['webhooks', 'trigger', 'before:adjust', 'adjustment_window'], { config: asm.configFile, cwd: asm.dir });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).not.toMatch(/would cancel/);
    expect(allowed.stdout).toMatch(/proceed/);
  });

  it('sends to an unconfigured URL with the secret from $WEBHOOK_SECRET (with or without servo.yaml)', async () => {
    const adHoc = 'ad-hoc-secret-from-env';
    asm.writeConfig(config('http://127.0.0.1:9/configured'));
    const run = await runServo(['webhooks', 'trigger', 'after:measure', rx.url('/adhoc')], {
      config: asm.configFile,
      cwd: asm.dir,
      env: { WEBHOOK_SECRET: adHoc },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.path).toBe('/adhoc');
    expect(signedWith(adHoc, rx.requests[0]!)).toBe(true);
    expect(signedWith(SECRET, rx.requests[0]!)).toBe(false);
    expect(run.stdout).not.toContain(adHoc);

    const empty = mkdtempSync(join(tmpdir(), 'servo-webhooks-noconf-'));
    try {
      const bare = await runServo(['webhooks', 'trigger', 'after:measure', rx.url('/bare')], { cwd: empty, env: { WEBHOOK_SECRET: adHoc } });
      expect(bare.code).toBe(0);
      expect(signedWith(adHoc, rx.requests[1]!)).toBe(true);

      const noSecret = await runServo(['webhooks', 'trigger', 'after:measure', rx.url('/bare')], { cwd: empty, env: { WEBHOOK_SECRET: '' } });
      expect(noSecret.code).toBe(2);
      expect(noSecret.stderr).toContain('$WEBHOOK_SECRET');
      expect(rx.requests).toHaveLength(2);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('without a target, sends to every webhook configured for the event; --data sends a file byte for byte', async () => {
    rx.respond = () => ({ status: 202 });
    asm.writeConfig(`webhooks:
  - {name: one, events: after:measure, url: "${rx.url('/one')}", secret: s-one}
  - {name: two, events: [after:measure, before:adjust], url: "${rx.url('/two')}", secret: s-two}
  - {name: three, events: before:adjust, url: "${rx.url('/three')}", secret: s-three}
`);
    const fan = await runServo(['webhooks', 'trigger', 'after:measure'], { config: asm.configFile, cwd: asm.dir });
    expect(fan.code).toBe(0);
    expect(rx.requests.map((q) => q.path).sort()).toEqual(['/one', '/two']);
    for (const q of rx.requests) expect(signedWith(q.path === '/one' ? 's-one' : 's-two', q)).toBe(true);

    const data = join(asm.dir, 'body.json');
    const bytes = '{"id":"msg_custom_1","event":"after:measure","note":"caf\u00e9 ☕"}\n';
    writeFileSync(data, bytes);
    const sent = await runServo(['webhooks', 'trigger', 'after:measure', 'three', '--data', data], { config: asm.configFile, cwd: asm.dir });
    expect(sent.code).toBe(0);
    const req = rx.requests[2]!;
    expect(req.path).toBe('/three');
    expect(req.body.equals(Buffer.from(bytes, 'utf8'))).toBe(true);
    expect(req.header('webhook-id')).toBe('msg_custom_1');
    expect(req.header('x-servo-signature')).toBe(hmacSha1Hex('s-three', req.body));
  });

  it('an unknown webhook name is a usage error listing the configured ones', async () => {
    asm.writeConfig(config(rx.url()));
    const run = await runServo(['webhooks', 'trigger', 'after:measure', 'nope'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('store_measurements');
    expect(rx.requests).toHaveLength(0);
  });

  it('a name used by two webhooks connectors is ambiguous until --connector picks one', async () => {
    const entry = (secret: string) => `  - name: sink\n    events: after:measure\n    url: ${rx.url()}\n    secret: ${secret}\n`;
    asm.writeConfig(`connectors: {hooks_a: webhooks, hooks_b: webhooks}\nhooks_a:\n${entry('secret-of-a')}hooks_b:\n${entry('secret-of-b')}`);
    const ambiguous = await runServo(['webhooks', 'trigger', 'after:measure', 'sink'], { config: asm.configFile, cwd: asm.dir });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/hooks_a, hooks_b.*--connector/);
    expect(rx.requests).toHaveLength(0);

    const picked = await runServo(['webhooks', 'trigger', 'after:measure', 'sink', '--connector', 'hooks_b'], { config: asm.configFile, cwd: asm.dir });
    expect(picked.code).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(hmacSha1Hex('secret-of-b', rx.requests[0]!.body)).toBe(rx.requests[0]!.headers['x-servo-signature']);
  });
});
