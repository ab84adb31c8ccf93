/**
 * `servo webhooks listen`: the built bin as a subprocess (a long-running
 * server; SIGINT prints the summary), fed real signed deliveries from
 * `servo webhooks trigger` and from one-shot servo commands, and replays of
 * them altered on the way (tampered body, missing header), signed with an old
 * timestamp or another secret. The reasons are the receiver toolkit's. All on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { finished, runCli, startReceiver, startServo, waitFor, type CliRun, type Receiver } from '../../../../test-support/index.js';
import { generateSigningKey, signRequest } from '../../src/signing.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

const SECRET = 'listen-secret';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

interface Listener {
  readonly child: ChildProcess;
  readonly url: string;
  out(): string;
  err(): string;
  /** SIGINT, then the finished run. */
  stop(): Promise<CliRun>;
}

const running: Listener[] = [];
let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  for (const l of running.splice(0)) if (l.child.exitCode === null) l.child.kill('SIGKILL');
  await rx?.close();
  rx = undefined;
  asm?.remove();
  asm = undefined;
});

async function listen(args: string[], opts: { config?: string; cwd?: string } = {}): Promise<Listener> {
  const child = startServo(['webhooks', 'listen', '--port', '0', ...args], opts);
  const done = finished(child, 60_000, 'servo webhooks listen');
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer | string) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer | string) => (err += d.toString()));
  await waitFor(
    () => /listening on (http:\S+)/.test(out + err) || child.exitCode !== null,
    20_000,
    () => `listen to start: ${out}${err}`,
  );
  const url = /listening on (http:\S+)/.exec(out + err)?.[1];
  if (!url) throw new Error(`listen did not start: ${out}${err}`);
  const l: Listener = {
    child,
    url,
    out: () => out,
    err: () => err,
    stop: () => {
      child.kill('SIGINT');
      return done;
    },
  };
  running.push(l);
  return l;
}

const trigger = (ref: string, url: string, secret = SECRET) => runCli(['webhooks', 'trigger', ref, url], { env: { WEBHOOK_SECRET: secret } });

/** One real delivery from `servo webhooks trigger`, captured by a recording receiver, to replay. */
async function captured(ref = 'after:measure') {
  rx = await startReceiver();
  expect((await trigger(ref, rx.url('/hook'))).code).toBe(0);
  const [req] = await rx.waitFor(1);
  const headers: Record<string, string> = {};
  for (const n of ['content-type', 'x-servo-event', 'x-servo-delivery', 'x-servo-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    headers[n] = req!.header(n)!;
  }
  return { headers, body: req!.body };
}

const post = (url: string, headers: Record<string, string>, body: Uint8Array) => fetch(url, { method: 'POST', headers, body: Buffer.from(body) });

describe('servo webhooks listen', () => {
  it('verifies a good delivery from trigger, prints event, webhook, id, attempt and the pretty body, and SIGINT prints a summary', async () => {
    const l = await listen(['--secret', SECRET]);
    const run = await trigger('after:measure', l.url);
    expect(run.code).toBe(0);
    await waitFor(() => l.out().includes('answered'), 10_000, 'the delivery to be printed');
    const out = l.out();
    expect(out).toMatch(/\d{4}-\d\d-\d\dT\S+ after:measure webhook ad-hoc id msg_\w+ attempt 1/);
    expect(out).toContain('✓ x-servo-signature verified');
    expect(out).toContain('✓ webhook-signature verified');
    expect(out).toContain('  |   "event": "after:measure",');
    const end = await l.stop();
    expect(end.code).toBe(0);
    expect(end.stdout).toMatch(
      /summary: 1 delivery \(0 retries\)\n {2}signatures: 1 verified, 0 failed, 0 not checked\n {2}events: after:measure 1\n {2}answers: 200 1/,
    );
  });

  it('names why each scheme fails: wrong key, tampered body, missing header, stale timestamp', async () => {
    const l = await listen(['--secret', SECRET, '--quiet']);
    expect((await trigger('after:measure', l.url, 'another-secret')).code).toBe(0);
    await waitFor(() => l.out().includes('->'), 10_000, 'the wrong-key delivery');
    expect(l.out()).toContain('x-servo-signature ✗ webhook-signature ✗ -> 200');

    const good = await captured();
    const tampered = Buffer.from(good.body.toString('utf8').replace('"after:measure"', '"after:adjust"'));
    expect((await post(l.url, good.headers, tampered)).status).toBe(200);
    const { 'webhook-signature': _, ...withoutStandard } = good.headers;
    expect((await post(l.url, withoutStandard, good.body)).status).toBe(200);
    const id = 'msg_stale';
    const stale = signRequest(SECRET, id, good.body, Math.floor(Date.now() / 1000) - 600);
    expect((await post(l.url, { 'content-type': 'application/json', ...stale }, good.body)).status).toBe(200);
    await waitFor(() => (l.out().match(/->/g) ?? []).length >= 4, 10_000, 'four deliveries');

    const run = await l.stop();
    const json = await listenJson(async (url) => {
      await trigger('after:measure', url, 'another-secret');
      await post(url, good.headers, tampered);
      await post(url, withoutStandard, good.body);
      await post(url, { 'content-type': 'application/json', ...stale }, good.body);
    }, 4);
    const reasons = json.filter((r) => r.type === 'delivery').map((r) => (r.signatures as { reason?: string }[]).map((s) => s.reason ?? 'ok'));
    expect(reasons[0]![0]).toBe('does not match the HMAC-SHA1 of the body with 1 secret (wrong secret, or the body changed after signing)');
    expect(reasons[0]![1]).toMatch(/^no signature matches: .*\(wrong key, or the body, id or timestamp changed after signing\)$/);
    expect(reasons[1]![0]).toMatch(/^does not match the HMAC-SHA1 of the body/);
    expect(reasons[1]![1]).toMatch(/^no signature matches: /);
    expect(reasons[2]).toEqual(['ok', 'missing header webhook-signature']);
    expect(reasons[3]![0]).toBe('ok');
    expect(reasons[3]![1]).toMatch(/^timestamp is 6\d\d s old, outside the 300 s tolerance \(a replay, or a clock off\)$/);
    expect(run.stdout).toContain('signatures: 0 verified, 4 failed');
  });

  it('a whsec_ sender checked with the raw string: the body verifies by X-Servo-Signature, so the other scheme is a wrong key', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const l = await listen(['--output', 'json', '--secret', secret]);
    const body = Buffer.from('{"id":"msg_1","event":"ping"}');
    const headers = signRequest(secret, 'msg_1', body, Math.floor(Date.now() / 1000));
    // A sender keying HMAC-SHA256 with the string instead of the decoded base64.
    const { createHmac } = await import('node:crypto');
    const wrongKey = createHmac('sha256', secret).update(`msg_1.${headers['webhook-timestamp']}.`).update(body).digest('base64');
    await post(l.url, { ...headers, 'webhook-signature': `v1,${wrongKey}` }, body);
    await waitFor(() => l.out().includes('"type":"delivery"'), 10_000, 'the record');
    const rec = JSON.parse(l.out().split('\n')[0]!) as { signatures: { ok: boolean; reason?: string }[] };
    expect(rec.signatures[0]!.ok).toBe(true);
    expect(rec.signatures[1]!.reason).toMatch(/^wrong key: .*base64-decoded bytes/);
    await l.stop();
  });

  it('--secret repeated: a delivery signed with any of them verifies (rotation)', async () => {
    const l = await listen(['--secret', 'old-secret', '--secret', SECRET, '--quiet']);
    expect(l.out() + l.err()).toContain('checked with the 2 keys given (any may match)');
    expect((await trigger('after:measure', l.url)).code).toBe(0);
    expect((await trigger('after:measure', l.url, 'old-secret')).code).toBe(0);
    await waitFor(() => (l.out().match(/->/g) ?? []).length >= 2, 10_000, 'two deliveries');
    expect(l.out().match(/x-servo-signature ✓ webhook-signature ✓ -> 200/g)).toHaveLength(2);
    await l.stop();
  });

  it('--webhook takes every secret of a rotation and the public half of signing_key; --public-key alone checks v1a', async () => {
    const { signingKey, publicKey } = generateSigningKey();
    const p = await project('after:measure');
    asm!.writeConfig(`webhooks:
  - name: store
    events: after:measure
    url: http://127.0.0.1:${p.port}/hook
    secret: [new-secret-0123456789, ${SECRET}]
    signing_key: ${signingKey}
    backoff: false
`);
    const l = await listen(['--output', 'json', '--webhook', 'store', '--port', String(p.port)], p);
    expect((await runCli(['webhooks', 'trigger', 'after:measure', 'store'], { config: p.config, cwd: p.cwd })).code).toBe(0);
    await waitFor(() => l.out().includes('"type":"delivery"'), 10_000, 'the record');
    const rec = JSON.parse(l.out().split('\n')[0]!) as { signatures: { ok: boolean }[]; headers: Record<string, string> };
    expect(rec.signatures.map((x) => x.ok)).toEqual([true, true]);
    expect(rec.headers['webhook-signature']!.split(' ').map((e) => e.split(',')[0])).toEqual(['v1', 'v1', 'v1a']);
    await l.stop();

    const only = await listen(['--quiet', '--public-key', publicKey]);
    const body = Buffer.from('{"id":"msg_k","event":"ping"}');
    const { 'x-servo-signature': _, ...headers } = signRequest('unrelated-secret', 'msg_k', body, Math.floor(Date.now() / 1000), signingKey);
    const v1aOnly = {
      ...headers,
      'webhook-signature': headers['webhook-signature']
        .split(' ')
        .filter((e) => e.startsWith('v1a,'))
        .join(' '),
    };
    await post(only.url, v1aOnly, body);
    await waitFor(() => only.out().includes('->'), 10_000, 'the delivery');
    expect(only.out()).toContain('x-servo-signature ✗ webhook-signature ✓');
    await only.stop();
  });

  it('counts attempts by id: retries of a 503 (--fail-rate 1) from a running servo are attempts 1, 2, 3', async () => {
    const p = await project('after:measure', 'backoff: { max_tries: 3, max_time: 1m }');
    const l = await listen(['--webhook', 'store', '--fail-rate', '1', '--quiet', '--port', String(p.port)], p);
    const run = await runCli(['measure'], { config: asm!.configFile, cwd: asm!.dir, env: { SERVO_LOG_LEVEL: 'error' } });
    expect(run.code).toBe(0);
    await waitFor(() => /attempt 3/.test(l.out()), 30_000, 'three attempts');
    const lines = l
      .out()
      .split('\n')
      .filter((s) => s.includes(' after:measure '));
    expect(lines.map((s) => /attempt (\d)/.exec(s)?.[1])).toEqual(['1', '2', '3']);
    expect(lines.every((s) => s.includes('webhook store') && s.includes('x-servo-signature ✓ webhook-signature ✓ -> 503 (--fail-rate)'))).toBe(true);
    expect((await l.stop()).stdout).toContain('3 deliveries (2 retries)');
  }, 60_000);

  it('--cancel answers a gate with the cancel protocol: servo adjust is cancelled with the reason and the adjust script never runs', async () => {
    const reason = 'change freeze \u001b[31muntil Monday\u202e';
    const p = await project('before:adjust');
    const l = await listen(['--webhook', 'window', '--cancel', reason, '--port', String(p.port)], p);
    const run = await runCli(['adjust', 'web.cpu=1'], { config: asm!.configFile, cwd: asm!.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('change freeze \\u001b[31muntil Monday\\u202e');
    expect(asm!.adjustRan()).toBe(false);
    await waitFor(() => l.out().includes('answered'), 10_000, 'the gate delivery');
    expect(l.out()).toContain('before:adjust webhook window id msg_');
    expect(l.out()).toContain('-> answered 200 cancel: change freeze \\u001b[31muntil Monday\\u202e');
    expect(l.out()).not.toMatch(RAW);
    await l.stop();
  });

  it('--status 403 makes a fail-policy gate cancel with the status; without --cancel or --status the event proceeds', async () => {
    const p = await project('before:adjust');
    const l = await listen(['--status', '403', '--quiet', '--port', String(p.port)], p);
    const run = await runCli(['adjust', 'web.cpu=1'], { config: asm!.configFile, cwd: asm!.dir, env: { SERVO_LOG_LEVEL: 'error' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered 403');
    expect(l.out()).toContain('x-servo-signature - webhook-signature - -> 403');
    await l.stop();
  });

  it('escapes remote text and keeps exact values in --output json, one record per line', async () => {
    const evil = Buffer.from(JSON.stringify({ id: 'msg_x', event: 'ping', webhook: { name: 'w\u001b]0;TITLE\u0007' }, note: 'a\u009bb\u202ec' }));
    const l = await listen(['--secret', SECRET]);
    await post(l.url, {}, evil);
    await waitFor(() => l.out().includes('answered'), 10_000, 'the delivery');
    expect(l.out()).not.toMatch(RAW);
    expect(l.out()).toContain('webhook w\\u001b]0;TITLE\\u0007');
    expect(l.out()).toContain('missing header x-servo-signature');
    await l.stop();
    const [rec] = await listenJson((url) => post(url, { authorization: 'Bearer tok-123' }, evil).then(() => undefined));
    expect(JSON.stringify(rec)).not.toContain('tok-123');
    expect((rec!.headers as Record<string, string>).authorization).toBe('********');
    expect((rec!.body as string) === evil.toString('utf8')).toBe(true);
    expect(rec!.webhook).toBe('w\u001b]0;TITLE\u0007');
  });

  it('refuses bad flags with exit 2', async () => {
    for (const args of [
      ['--fail-rate', '2'],
      ['--status', '99'],
      ['--cancel', 'x', '--status', '200'],
      ['--secret', 'a', '--webhook', 'b'],
      ['--delay', 'soon'],
    ]) {
      const run = await runCli(['webhooks', 'listen', '--port', '0', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^servo: /);
    }
  });
});

/** A project whose webhook (`window` for a before: event, else `store`) posts to the listener started next. */
async function project(ref: string, extra = ''): Promise<{ config: string; cwd: string; port: number }> {
  asm = makeAssembly();
  const port = await freePort();
  const name = ref.startsWith('before:') ? 'window' : 'store';
  asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: ${name}
    events: ${ref}
    url: http://127.0.0.1:${port}/hook
    secret: ${SECRET}
    ${extra || 'backoff: false'}
`);
  return { config: asm.configFile, cwd: asm.dir, port };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a `--output json` listener through `feed`, then SIGINT; the records it printed. */
async function listenJson(feed: (url: string) => Promise<void>, count = 1): Promise<Record<string, unknown>[]> {
  const l = await listen(['--output', 'json', '--secret', SECRET]);
  await feed(l.url);
  await waitFor(
    () =>
      l
        .out()
        .split('\n')
        .filter((s) => s.includes('"type":"delivery"')).length >= count,
    10_000,
    'records',
  );
  const run = await l.stop();
  return run.stdout
    .trim()
    .split('\n')
    .map((s) => JSON.parse(s) as Record<string, unknown>);
}
