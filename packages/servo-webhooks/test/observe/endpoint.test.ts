/**
 * `servo run`'s HTTP endpoint through real sockets: a servo process follows a
 * fake optimizer (describe, measure, an adjustment a before-webhook cancels,
 * measure) with after:measure webhooks to a receiver that accepts and one
 * that answers 404; then /metrics is read with a strict text-format parser
 * and its values checked against that traffic; /healthz and /readyz answer
 * JSON; the token guards everything but /healthz; off-loopback without a
 * token is refused.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOptimizer, type FakeOptimizer } from 'servo-core/optimizer/fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runServo, startReceiver, type CliRun, type Receiver } from '../../../../test-support/index.js';
import { assertBuilt } from '../helpers/cli.js';
import { startServed } from './served.js';
import { parseMetrics, sampleValue } from './prometheus.js';

const SECRET = 'Metrics-Secret-Never-Shown-31';
const PASSWORD = 'url-password-never-shown';
const TOKEN = 'endpoint-token-never-shown-77';
const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';

let dir: string;
let r: Receiver;
let fake: FakeOptimizer;
let child: ChildProcess;
let exit: Promise<CliRun>;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };

/** A scripts command answering `json`, as a YAML flow list (a JSON string is a YAML double-quoted scalar). */
const script = (json: string) => `[${JSON.stringify(`cat > /dev/null; echo '${json}'`)}]`;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'servo-endpoint-'));
  r = await startReceiver((req) => {
    if (req.path.startsWith('/gate')) return { status: 200, headers: { 'content-type': CANCEL }, body: '{"reason": "<b>change freeze</b>"}' };
    if (req.path.startsWith('/missing')) return { status: 404, body: 'no such hook' };
    return { status: 204 };
  });
  fake = await startFakeOptimizer({
    id: 'example.com/app',
    token: 'opt-token',
    plan: {
      steps: [
        { describe: null, expect: 'ok' },
        { measure: { metrics: ['rps'], control: { duration: '0s' } }, expect: 'ok' },
        { adjust: { settings: { 'web.replicas': 5 } }, expect: { status: 'cancelled' } },
        { measure: { metrics: ['rps'], control: { duration: '0s' } }, expect: 'ok' },
      ],
    },
  });
  const reading = '{"readings": [{"metric": {"name": "rps", "unit": "rps"}, "time": "2026-01-01T00:00:00Z", "value": 1}]}';
  const description =
    '{"components": [{"name": "web", "settings": [{"name": "replicas", "type": "range", "min": 1, "max": 10, "step": 1, "value": 2}]}], "metrics": [{"name": "rps", "unit": "rps"}]}';
  writeFileSync(
    join(dir, 'servo.yaml'),
    `name: observed
optimizer:
  id: ${fake.id}
  base_url: ${fake.url}
  token: opt-token
server:
  listen: 127.0.0.1:0
  token: \${HTTP_TOKEN}
scripts:
  on:
    describe: ${script(description)}
    measure: ${script(reading)}
    adjust: ${script(description)}
webhooks:
  - name: stored
    events: after:measure
    url: ${r.origin.replace('http://', `http://user:${PASSWORD}@`)}/stored
    secret: ${SECRET}
  - name: rejects
    events: after:measure
    url: ${r.url('/missing')}
    secret: ${SECRET}
  - name: window
    events: before:adjust
    url: ${r.url('/gate')}
    secret: ${SECRET}
`,
  );
  ({ child, exit, base } = await startServed(['run'], { config: join(dir, 'servo.yaml'), env: { HTTP_TOKEN: TOKEN } }));
  await fake.planEnded;
  await r.waitFor(5, { timeoutMs: 20_000 }); // 2 stored + 2 missing + 1 gate
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  const run = await exit;
  expect(run.code).toBe(0);
  await fake.close();
  await r.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape() {
  const res = await fetch(`${base}/metrics`, { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
  const text = await res.text();
  return { text, m: parseMetrics(text) };
}

describe('servo run --http: /metrics', () => {
  it('counts events, deliveries, attempts, gate decisions and optimizer commands of the traffic that went through', async () => {
    // After-webhooks are delivered in the background: wait until the process has booked them.
    let s = await scrape();
    for (let i = 0; i < 50 && sampleValue(s.m, 'servo_webhook_deliveries_total', { webhook: 'rejects', outcome: 'dead' }) !== 2; i++) {
      await new Promise((res) => setTimeout(res, 100));
      s = await scrape();
    }
    const { m } = s;
    expect(sampleValue(m, 'servo_events_dispatched_total', { event: 'measure', outcome: 'ok' })).toBe(2);
    expect(sampleValue(m, 'servo_events_dispatched_total', { event: 'adjust', outcome: 'cancelled' })).toBe(1);
    expect(sampleValue(m, 'servo_events_dispatched_total', { event: 'describe', outcome: 'ok' })).toBe(1);
    expect(sampleValue(m, 'servo_events_dispatched_total', { event: 'startup', outcome: 'ok' })).toBe(1);
    expect(m.get('servo_event_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(m, 'servo_event_duration_seconds', { event: 'measure' }, 'servo_event_duration_seconds_count')).toBe(2);
    expect(sampleValue(m, 'servo_event_duration_seconds', { event: 'measure', le: '+Inf' }, 'servo_event_duration_seconds_bucket')).toBe(2);

    expect(sampleValue(m, 'servo_webhook_deliveries_total', { webhook: 'stored', outcome: 'delivered' })).toBe(2);
    expect(sampleValue(m, 'servo_webhook_deliveries_total', { webhook: 'stored', outcome: 'dead' })).toBe(0);
    expect(sampleValue(m, 'servo_webhook_deliveries_total', { webhook: 'rejects', outcome: 'dead' })).toBe(2);
    expect(sampleValue(m, 'servo_webhook_deliveries_total', { webhook: 'rejects', outcome: 'delivered' })).toBe(0);
    expect(sampleValue(m, 'servo_webhook_attempts_total', { webhook: 'stored', result: '2xx' })).toBe(2);
    expect(sampleValue(m, 'servo_webhook_attempts_total', { webhook: 'rejects', result: '4xx' })).toBe(2);
    expect(sampleValue(m, 'servo_webhook_attempts_total', { webhook: 'window', result: '2xx' })).toBe(1);
    expect(sampleValue(m, 'servo_webhook_attempt_duration_seconds', { webhook: 'stored' }, 'servo_webhook_attempt_duration_seconds_count')).toBe(2);
    expect(sampleValue(m, 'servo_webhook_gate_decisions_total', { webhook: 'window', decision: 'cancel' })).toBe(1);
    expect(sampleValue(m, 'servo_webhook_pending', { webhook: 'stored', scope: 'process' })).toBe(0);
    expect(sampleValue(m, 'servo_webhook_dead', { webhook: 'rejects', scope: 'process' })).toBe(2);
    expect(sampleValue(m, 'servo_webhook_circuit_state', { webhook: 'stored' })).toBe(0); // closed
    expect(sampleValue(m, 'servo_webhook_disabled', { webhook: 'stored' })).toBe(0);

    expect(sampleValue(m, 'servo_optimizer_commands_total', { kind: 'MEASURE', status: 'ok' })).toBe(2);
    expect(sampleValue(m, 'servo_optimizer_commands_total', { kind: 'ADJUST', status: 'cancelled' })).toBe(1);
    expect(sampleValue(m, 'servo_optimizer_command_duration_seconds', { kind: 'MEASURE' }, 'servo_optimizer_command_duration_seconds_count')).toBe(2);
    expect(sampleValue(m, 'servo_optimizer_connected')).toBe(1);
    expect(m.get('servo_optimizer_api_errors_total')?.type).toBe('counter');
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('names counters _total and durations _seconds, and shows no secret, token, URL credential or body', async () => {
    const { text, m } = await scrape();
    for (const f of m.values()) {
      if (!f.name.startsWith('servo_')) continue;
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
      if (f.type === 'histogram') expect(f.name).toMatch(/_seconds$/);
      expect(f.help.length).toBeGreaterThan(0);
    }
    for (const secret of [SECRET, PASSWORD, TOKEN, 'opt-token', 'change freeze', 'no such hook', r.origin]) expect(text).not.toContain(secret);
  });

  it('requires the token except on /healthz', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    expect((await fetch(`${base}/readyz`)).status).toBe(401);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('servo run --http: /readyz', () => {
  it('is ready once started, with the store writable and the optimizer reached', async () => {
    const res = await fetch(`${base}/readyz`, { headers: auth });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body).toMatchObject({ status: 'ready', checks: { started: { ok: true }, optimizer: { ok: true }, 'webhooks.store': { ok: true } } });
    expect(res.status).toBe(200);
  });
});

describe('servo run --http: where it listens', () => {
  it('refuses an address off loopback without a token: exit 2 and what to do', async () => {
    const config = join(dir, 'plain.yaml');
    writeFileSync(config, 'name: plain\nscripts:\n  on: {}\n');
    const run = await runServo(['run', '--http', '0.0.0.0:9464'], { config, timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--http 0.0.0.0:9464: refusing to serve 0.0.0.0:9464 without a token');
    expect(run.stderr).toContain('listen on 127.0.0.1');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('servo validate points at server.listen off loopback without a token', async () => {
    const config = join(dir, 'open.yaml');
    writeFileSync(config, 'name: open\nserver:\n  listen: 0.0.0.0:9464\nscripts:\n  on: {}\n');
    const run = await runCli(['validate'], { config });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/open\.yaml:3:\d+: server\.listen: refusing to serve 0\.0\.0\.0:9464 without a token/);
  });

  it('a bad --http address is a usage error naming the expected form', async () => {
    const config = join(dir, 'bad-address.yaml');
    writeFileSync(config, 'name: plain\nscripts:\n  on: {}\n');
    const run = await runServo(['run', '--http', 'nowhere'], { config, timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('servo: --http: expected HOST:PORT');
  });
});

describe('servo run --http: configuration', () => {
  it('servo config shows the server section with its token redacted', async () => {
    const run = await runCli(['config'], { config: join(dir, 'servo.yaml'), env: { HTTP_TOKEN: TOKEN } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/server:\n {2}listen: 127\.0\.0\.1:0\n {2}token: "?\*\*\*/);
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('an address in use is a usage error naming it', async () => {
    const busy = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const port = (busy.address() as AddressInfo).port;
    try {
      const config = join(dir, 'busy.yaml');
      writeFileSync(config, 'name: busy\nscripts:\n  on: {}\n');
      const run = await runServo(['run', '--http', `127.0.0.1:${port}`], { config, timeoutMs: 20_000 });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`servo: cannot serve the HTTP endpoint on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      busy.close();
    }
  });
});

// Last: it ends the servo. The page itself is driven in a browser by test/page/browser.test.ts.
describe('servo run --http: the deliveries page', () => {
  it('/ leads to /webhooks, which lists this run (the gate that cancelled as cancelled); an open event stream does not hold up SIGTERM', async () => {
    const root = await fetch(`${base}/`, { headers: auth, redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/webhooks');
    const page = await fetch(`${base}/webhooks/`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html.match(/data-outcome="delivered"/g)).toHaveLength(2);
    expect(html.match(/data-outcome="dead"/g)).toHaveLength(2);
    expect(html.match(/data-outcome="cancelled"/g)).toHaveLength(1);
    for (const secret of [SECRET, PASSWORD, TOKEN]) expect(html).not.toContain(secret);

    const stream = await fetch(`${base}/webhooks/events`, { headers: auth });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    await reader.read(); // the stream is open
    const t0 = Date.now();
    child.kill('SIGTERM');
    const run = await exit;
    expect(run.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    await reader.cancel().catch(() => {});
  });
});
