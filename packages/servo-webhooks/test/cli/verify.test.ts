/**
 * `servo webhooks verify` through the CLI, on requests a real `servo webhooks
 * trigger` delivered to a receiver on 127.0.0.1 (saved as a user would: the
 * body to a file, headers as -H or a JSON file), then altered: a changed body,
 * another secret, a stale timestamp, a missing header, a rotated secret, and
 * the reference ed25519 vector.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type RecordedRequest, type Receiver } from '../../../../test-support/index.js';
import { signRequest } from '../../src/signing.js';

const SECRET = 'whsec_dmVyaWZ5IHRlc3Qgc2VjcmV0IGtleQ==';
let dir: string;
let rx: Receiver | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'servo-verify-'));
});
afterEach(async () => {
  await rx?.close();
  rx = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function delivered(): Promise<RecordedRequest> {
  rx = await startReceiver();
  const sent = await runCli(['webhooks', 'trigger', 'after:measure', rx.url()], { cwd: dir, env: { WEBHOOK_SECRET: SECRET } });
  expect(sent.code, sent.stderr).toBe(0);
  return rx.requests[0]!;
}

const SIGNED = ['x-servo-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];
const dashH = (req: RecordedRequest, skip: string[] = []) => SIGNED.filter((n) => !skip.includes(n)).flatMap((n) => ['-H', `${n}: ${req.header(n)}`]);

function save(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('servo webhooks verify', () => {
  it('verifies both schemes of a real delivery (headers as -H or from a JSON file) and exits 0, never printing the secret', async () => {
    const req = await delivered();
    const body = save('body.json', req.body);
    const run = await runCli(['webhooks', 'verify', '--secret', SECRET, ...dashH(req), body], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✓ webhook-signature +verified: v1 matches secret 1/);
    expect(run.stdout).toMatch(/✓ x-servo-signature +verified: matches secret 1/);
    const headers = save('headers.json', JSON.stringify(req.headers));
    const fromFile = await runCli(['webhooks', 'verify', '--secret-env', 'S', '--headers', headers, body, '--output', 'json'], {
      cwd: dir,
      env: { S: SECRET },
    });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ ok: true, id: req.header('webhook-id'), schemes: [{ ok: true }, { ok: true }] });
    expect(run.stdout + run.stderr + fromFile.stdout + fromFile.stderr).not.toContain(SECRET.slice(6));
  });

  it('takes headers and body from a listen --output json record alone', async () => {
    const req = await delivered();
    const record = save('record.json', JSON.stringify({ event: 'after:measure', headers: req.headers, body: req.body.toString('utf8') }));
    const run = await runCli(['webhooks', 'verify', '--secret', SECRET, '--headers', record], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('✓ webhook-signature');
  });

  it('says why each scheme fails: a changed body, another secret, a missing header; exit 1', async () => {
    const req = await delivered();
    const changed = save('changed.json', Buffer.concat([req.body, Buffer.from(' ')]));
    const tampered = await runCli(['webhooks', 'verify', '--secret', SECRET, ...dashH(req), changed], { cwd: dir });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/✗ webhook-signature +does not verify: no signature matches: 1 v1 signature against 1 secret/);
    expect(tampered.stdout).toMatch(/✗ x-servo-signature +does not verify: does not match the HMAC-SHA1 of the body/);
    expect(tampered.stderr).toContain('webhook-signature and x-servo-signature did not verify');

    const body = save('body.json', req.body);
    const other = await runCli(['webhooks', 'verify', '--secret', 'another secret', ...dashH(req), body], { cwd: dir });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('no signature matches');

    const missing = await runCli(['webhooks', 'verify', '--secret', SECRET, ...dashH(req, ['webhook-timestamp']), body], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/✗ webhook-signature +does not verify: missing header webhook-timestamp/);
    expect(missing.stdout).toMatch(/✓ x-servo-signature/);
  });

  it('exit 1 for a stale timestamp unless --no-timestamp-check; a rotated header verifies with either secret', async () => {
    const body = Buffer.from('{"id":"msg_old"}');
    const old = signRequest(SECRET, 'msg_old', body, Math.floor(Date.now() / 1000) - 3600);
    const file = save('old.json', body);
    const h = Object.entries(old).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const stale = await runCli(['webhooks', 'verify', '--secret', SECRET, ...h, file], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/timestamp is 36\d\d s old, outside the 300 s tolerance/);
    expect((await runCli(['webhooks', 'verify', '--secret', SECRET, '--no-timestamp-check', ...h, file], { cwd: dir })).code).toBe(0);

    const now = Math.floor(Date.now() / 1000);
    const a = signRequest('old secret', 'msg_r', body, now);
    const b = signRequest(SECRET, 'msg_r', body, now);
    const rotated = [
      '-H',
      `webhook-id: msg_r`,
      '-H',
      `webhook-timestamp: ${now}`,
      '-H',
      `webhook-signature: ${b['webhook-signature']} ${a['webhook-signature']}`,
    ];
    const withOld = await runCli(['webhooks', 'verify', '--secret', 'old secret', ...rotated, file], { cwd: dir });
    expect(withOld.code, withOld.stdout).toBe(0);
  });

  it('verifies the reference v1a vector with --public-key; a scheme it cannot check fails the command', async () => {
    const file = save('vector.json', '{"test": 2432232314}');
    const h = [
      '-H',
      'webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek',
      '-H',
      'webhook-timestamp: 1614265330',
      '-H',
      'webhook-signature: v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==',
    ];
    const pk = ['--public-key', 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=', '--no-timestamp-check'];
    const ok = await runCli(['webhooks', 'verify', ...pk, ...h, file], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('v1a verifies with public key 1');
    const unchecked = await runCli(['webhooks', 'verify', ...pk, ...h, '-H', 'x-servo-signature: 0123456789012345678901234567890123456789', file], {
      cwd: dir,
    });
    expect(unchecked.code).toBe(1);
    expect(unchecked.stdout).toMatch(/\? x-servo-signature +not checked: it needs a secret/);
  });

  it('usage errors exit 2: no key, a bad -H, an unreadable body, a whsk_ given as public key', async () => {
    const file = save('b.json', '{}');
    expect((await runCli(['webhooks', 'verify', '-H', 'webhook-id: x', file], { cwd: dir })).code).toBe(2);
    expect((await runCli(['webhooks', 'verify', '--secret', 's', '-H', 'nocolon', file], { cwd: dir })).code).toBe(2);
    const missingFile = await runCli(['webhooks', 'verify', '--secret', 's', join(dir, 'nope.json')], { cwd: dir });
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('does not exist');
    const sk = await runCli(['webhooks', 'verify', '--public-key', 'whsk_AAAA', '-H', 'webhook-id: x', file], { cwd: dir });
    expect(sk.code).toBe(2);
    expect(sk.stderr).toContain('whpk_');
    expect(sk.stderr).not.toContain('whsk_AAAA');
  });
});
