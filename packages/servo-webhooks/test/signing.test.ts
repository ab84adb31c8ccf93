import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  WebhookSecretError,
  assertValidSecret,
  servoSignature,
  signRequest,
  standardSignature,
  verifyServoSignature,
  verifyStandardSignature,
} from '../src/signing.js';
import { skipWithout } from '../../../test-support/index.js';

const enc = (s: string) => Buffer.from(s, 'utf8');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('servoSignature (original X-Servo-Signature)', () => {
  const secret = 'super secret authentication code';
  const body = enc('{"event":"after:measure","params":{"metrics":["throughput"]}}');

  it('is the lowercase hex HMAC-SHA1 of the raw body keyed with the UTF-8 secret', () => {
    const expected = createHmac('sha1', Buffer.from(secret, 'utf8')).update(body).digest('hex');
    expect(servoSignature(secret, body)).toBe(expected);
    expect(servoSignature(secret, body)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('uses UTF-8 for non-ASCII secrets', () => {
    const s = 'sécret-✓';
    expect(servoSignature(s, body)).toBe(createHmac('sha1', Buffer.from(s, 'utf8')).update(body).digest('hex'));
  });

  // Skipped only outside CI: .ci/run installs python3, so in CI a missing one fails the test.
  it.skipIf(skipWithout('python3', ['-c', 'pass']))('matches the Python receiver example of the README, run by a real python3', () => {
    const raw = enc('{"id":"msg_1","name":"ünïcode ✓","value":1.5}');
    const script = [
      'import hmac, hashlib, sys',
      'secret = "super secret authentication code"',
      'body = sys.stdin.buffer.read()',
      'print(str(hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()), end="")',
    ].join('\n');
    const python = execFileSync('python3', ['-c', script], { input: raw }).toString();
    expect(python).toMatch(/^[0-9a-f]{40}$/);
    expect(servoSignature(secret, raw)).toBe(python);
    expect(signRequest(secret, 'msg_1', raw, nowSeconds())['x-servo-signature']).toBe(python);
  });

  it('verifies its own signature, any hex case, and rejects a tampered body or wrong secret', () => {
    const sig = servoSignature(secret, body);
    expect(verifyServoSignature(secret, body, sig)).toBe(true);
    expect(verifyServoSignature(secret, body, ` ${sig.toUpperCase()} `)).toBe(true);
    expect(verifyServoSignature(secret, body.toString(), sig)).toBe(true);
    const tampered = Buffer.from(body);
    const at = tampered.length - 2;
    tampered[at] = tampered[at]! ^ 1;
    expect(verifyServoSignature(secret, tampered, sig)).toBe(false);
    expect(verifyServoSignature('another secret', body, sig)).toBe(false);
    expect(verifyServoSignature(secret, body, sig.slice(1))).toBe(false);
    expect(verifyServoSignature(secret, body, undefined)).toBe(false);
    expect(verifyServoSignature(secret, body, '')).toBe(false);
  });
});

describe('standardSignature (Standard Webhooks)', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    // From the standard-webhooks / svix library test suites.
    const sig = standardSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, enc('{"test": 2432232314}'));
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is v1, + base64 HMAC-SHA256 over "id.timestamp.body" (raw secret keyed with UTF-8 bytes)', () => {
    const secret = 'plain-secret';
    const body = enc('{"a":"ü"}');
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.concat([enc('msg_42.1700000000.'), body]))
      .digest('base64');
    expect(standardSignature(secret, 'msg_42', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('keys a whsec_ secret with the base64-decoded part', () => {
    const key = randomBytes(32);
    const secret = `whsec_${key.toString('base64')}`;
    const body = enc('{}');
    const expected = createHmac('sha256', key).update('id.5.{}').digest('base64');
    expect(standardSignature(secret, 'id', 5, body)).toBe(`v1,${expected}`);
    // The legacy scheme still keys with the whole secret string.
    expect(servoSignature(secret, body)).toBe(createHmac('sha1', enc(secret)).update(body).digest('hex'));
  });

  it('rejects a non-integer or negative timestamp', () => {
    expect(() => standardSignature('s', 'id', 1.5, enc('{}'))).toThrow(RangeError);
    expect(() => standardSignature('s', 'id', -1, enc('{}'))).toThrow(RangeError);
    expect(() => signRequest('s', 'id', enc('{}'), Number.NaN)).toThrow(RangeError);
  });
});

describe('signRequest verified by the standardwebhooks npm package', () => {
  const body = enc(JSON.stringify({ id: 'msg_x', event: 'after:measure', params: { note: 'héllo ✓' } }));

  it('verifies with a raw secret ({ format: "raw" })', () => {
    const secret = 'raw secret value 123';
    const ts = nowSeconds();
    const headers = signRequest(secret, 'msg_x', body, ts);
    expect(headers['webhook-id']).toBe('msg_x');
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(headers['x-servo-signature']).toBe(servoSignature(secret, body));
    expect(headers['webhook-signature']).toBe(standardSignature(secret, 'msg_x', ts, body));
    const wh = new Webhook(secret, { format: 'raw' });
    expect(wh.verify(body.toString('utf8'), { ...headers })).toEqual(JSON.parse(body.toString('utf8')));
  });

  it('verifies with a whsec_ secret', () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const headers = signRequest(secret, 'msg_y', body, nowSeconds());
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.toString('utf8'), { ...headers })).not.toThrow();
  });

  it('agrees with the package on a non-ASCII raw secret given as UTF-8 bytes', () => {
    const secret = 'clé-secrète-✓';
    const headers = signRequest(secret, 'msg_z', body, nowSeconds());
    const wh = new Webhook(Buffer.from(secret, 'utf8') as unknown as string, { format: 'raw' });
    expect(() => wh.verify(body.toString('utf8'), { ...headers })).not.toThrow();
  });

  it('the package rejects a tampered body, a wrong secret and a changed id', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = signRequest(secret, 'msg_t', body, nowSeconds());
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.toString('utf8').replace('héllo', 'hello'), { ...headers })).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body.toString('utf8'), { ...headers })).toThrow();
    expect(() => wh.verify(body.toString('utf8'), { ...headers, 'webhook-id': 'msg_other' })).toThrow();
  });
});

describe('verifyStandardSignature', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = enc('{"event":"before:adjust"}');
  const ts = 1_700_000_000;
  const sig = standardSignature(secret, 'msg_v', ts, body);
  const headers = { id: 'msg_v', timestamp: String(ts), signature: sig };

  it('accepts a valid signature within the tolerance, either direction', () => {
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts })).toBe(true);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts + 300 })).toBe(true);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts - 300 })).toBe(true);
    expect(verifyStandardSignature(secret, headers, body.toString('utf8'), { nowSeconds: ts })).toBe(true);
  });

  it('rejects timestamps outside the tolerance (default 300 s, configurable)', () => {
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts + 301 })).toBe(false);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts - 301 })).toBe(false);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts + 30, toleranceSeconds: 10 })).toBe(false);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: ts + 3000, toleranceSeconds: 3600 })).toBe(true);
  });

  it('uses the system clock by default', () => {
    const now = nowSeconds();
    const fresh = { id: 'msg_v', timestamp: String(now), signature: standardSignature(secret, 'msg_v', now, body) };
    expect(verifyStandardSignature(secret, fresh, body)).toBe(true);
    expect(verifyStandardSignature(secret, headers, body)).toBe(false); // 2023: far outside 5 minutes
  });

  it('rejects a tampered body, id, timestamp or signature', () => {
    const opts = { nowSeconds: ts };
    expect(verifyStandardSignature(secret, headers, enc('{"event":"before:adjusT"}'), opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, id: 'msg_w' }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, timestamp: String(ts + 1) }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, signature: sig.replace('v1,', 'v1,A') }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, signature: sig.replace('v1,', 'v2,') }, body, opts)).toBe(false);
  });

  it('accepts any of several space-separated signatures (key rotation), ignoring other versions', () => {
    const other = standardSignature(`whsec_${randomBytes(32).toString('base64')}`, 'msg_v', ts, body);
    const multi = { ...headers, signature: `v1a,AAAA ${other} ${sig}` };
    expect(verifyStandardSignature(secret, multi, body, { nowSeconds: ts })).toBe(true);
    expect(verifyStandardSignature(secret, { ...headers, signature: `${other} v1a,${sig.slice(3)}` }, body, { nowSeconds: ts })).toBe(false);
  });

  it('rejects missing or malformed headers without throwing', () => {
    const opts = { nowSeconds: ts };
    expect(verifyStandardSignature(secret, { ...headers, id: undefined }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, signature: undefined }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, timestamp: undefined }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, timestamp: `${ts}.0` }, body, opts)).toBe(false);
    expect(verifyStandardSignature(secret, { ...headers, timestamp: ` ${ts}` }, body, opts)).toBe(false);
  });
});

describe('secrets', () => {
  it('rejects an invalid whsec_ secret with a clear error that does not contain the secret', () => {
    const secret = 'whsec_not*valid*base64!!';
    let caught: unknown;
    try {
      signRequest(secret, 'id', enc('{}'), 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WebhookSecretError);
    const err = caught as WebhookSecretError;
    expect(err.code).toBe('WEBHOOK_SECRET_INVALID');
    expect(err.message).toMatch(/whsec_.*base64/);
    expect(err.message).not.toContain('not*valid');
    expect(String(err.stack)).not.toContain('not*valid');
    expect(() => assertValidSecret('whsec_')).toThrow(WebhookSecretError);
    expect(() => assertValidSecret('whsec_abcde')).toThrow(WebhookSecretError); // 5 chars: not base64
    expect(() => assertValidSecret('')).toThrow(WebhookSecretError);
    expect(() => verifyServoSignature('', enc('{}'), 'ab')).toThrow(WebhookSecretError);
  });

  it('accepts whsec_ base64 with or without padding', () => {
    const key = randomBytes(32); // 44 chars with one "=" of padding
    const padded = `whsec_${key.toString('base64')}`;
    expect(padded.endsWith('=')).toBe(true);
    const unpadded = padded.replace(/=+$/, '');
    expect(standardSignature(unpadded, 'i', 1, enc('x'))).toBe(standardSignature(padded, 'i', 1, enc('x')));
  });

  it('keeps working for many secrets (cache eviction does not change results)', () => {
    const body = enc('{"n":1}');
    const secrets = Array.from({ length: 1500 }, (_, i) => `secret-${i}`);
    for (const s of secrets) servoSignature(s, body);
    for (const s of [secrets[0]!, secrets[1499]!]) {
      expect(servoSignature(s, body)).toBe(createHmac('sha1', enc(s)).update(body).digest('hex'));
    }
  });
});
