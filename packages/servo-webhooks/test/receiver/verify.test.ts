/**
 * verify() of servo-webhooks/receiver, both builds, on requests the sender's
 * own signing produces (and the standardwebhooks library's), tampered,
 * replayed, rotated and ed25519-signed.
 */
import { signRequest } from 'servo-webhooks/signing';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { builds } from './builds.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const oldSecret = 'an old raw secret';
const body = new TextEncoder().encode('{"id":"msg_1","event":"after:measure","emoji":"🚀"}');
const now = 1_795_889_682;
const clock = () => now * 1000;

function signed(s = secret, at = now, b = body) {
  return { ...signRequest(s, 'msg_1', b, at) } as Record<string, string>;
}

// The reference vector (Standard Webhooks authors' server encoding).
const vector = {
  publicKey: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
  headers: {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==',
  },
  body: '{"test": 2432232314}',
};

describe.each(builds)('receiver verify (%s)', (_name, r) => {
  it('verifies both schemes of a signed request, headers as a plain object in any case or a Fetch Headers', async () => {
    const headers = signed();
    const mixed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    for (const h of [headers, mixed, new Headers(headers)]) {
      const v = await r.verify(body, h, { secrets: secret, now: clock });
      expect(v.id).toBe('msg_1');
      expect(v.timestamp).toBe(now);
      expect(v.schemes.map((s) => [s.scheme, s.ok, s.version])).toEqual([
        ['webhook-signature', true, 'v1'],
        ['x-servo-signature', true, 'hmac-sha1'],
      ]);
    }
    // The exact text received works too (its UTF-8 bytes are hashed).
    await expect(r.verify(new TextDecoder().decode(body), headers, { secrets: secret, now: clock })).resolves.toBeTruthy();
  });

  it('rejects a tampered body with no_match (401), saying why for each scheme, and never naming the secret', async () => {
    const tampered = new TextEncoder().encode('{"id":"msg_1","event":"after:measure","emoji":"🚁"}');
    const error = await r.verify(tampered, signed(), { secrets: secret, now: clock }).catch((e) => e);
    expect(r.isReceiverError(error)).toBe(true);
    expect(error.code).toBe('no_match');
    expect(error.status).toBe(401);
    expect(error.schemes.map((s: { scheme: string; ok: boolean; code: string }) => [s.scheme, s.ok, s.code])).toEqual([
      ['webhook-signature', false, 'no_match'],
      ['x-servo-signature', false, 'no_match'],
    ]);
    expect(JSON.stringify([error.message, error.schemes])).not.toContain(secret.slice(6));
  });

  it('rejects a wrong secret, and accepts any of several (rotation), one v1 entry per secret in the header', async () => {
    await expect(r.verify(body, signed(), { secrets: 'whsec_b3RoZXIgc2VjcmV0IGtleQ==', now: clock })).rejects.toMatchObject({ code: 'no_match' });
    const rotated = signed(oldSecret);
    rotated['webhook-signature'] = `${signed()['webhook-signature']} ${rotated['webhook-signature']}`;
    const v = await r.verify(body, rotated, { secrets: [oldSecret], now: clock });
    expect(v.schemes[0]).toMatchObject({ ok: true, keyIndex: 0 });
    const both = await r.verify(body, signed(oldSecret), { secrets: [secret, oldSecret], now: clock });
    expect(both.schemes.every((s) => s.ok && s.keyIndex === 1)).toBe(true);
  });

  it('checks the timestamp both ways (default 300 s), a custom tolerance, and turns it off only with checkTimestamp: false', async () => {
    await expect(r.verify(body, signed(secret, now - 301), { secrets: secret, now: clock })).rejects.toMatchObject({ code: 'timestamp_too_old', status: 401 });
    await expect(r.verify(body, signed(secret, now + 301), { secrets: secret, now: clock })).rejects.toMatchObject({ code: 'timestamp_too_new' });
    await expect(r.verify(body, signed(secret, now - 300), { secrets: secret, now: clock })).resolves.toBeTruthy();
    await expect(r.verify(body, signed(secret, now - 60), { secrets: secret, now: clock, toleranceSeconds: 30 })).rejects.toMatchObject({
      code: 'timestamp_too_old',
    });
    await expect(r.verify(body, signed(secret, now - 86_400), { secrets: secret, now: clock, checkTimestamp: false })).resolves.toBeTruthy();
    for (const toleranceSeconds of [0, -1, Number.POSITIVE_INFINITY]) {
      await expect(r.verify(body, signed(), { secrets: secret, toleranceSeconds })).rejects.toMatchObject({ code: 'invalid_option' });
    }
  });

  it('refuses missing, repeated and malformed headers (400)', async () => {
    const { 'webhook-timestamp': _, ...noTimestamp } = signed();
    await expect(r.verify(body, noTimestamp, { secrets: secret, now: clock })).rejects.toMatchObject({ code: 'missing_headers', status: 400 });
    await expect(r.verify(body, {}, { secrets: secret, now: clock })).rejects.toMatchObject({ code: 'missing_headers' });
    const h = signed();
    await expect(r.verify(body, { ...h, 'webhook-signature': [h['webhook-signature']!, 'v1,AAAA'] }, { secrets: secret, now: clock })).rejects.toMatchObject({
      code: 'duplicate_header',
    });
    await expect(r.verify(body, { ...h, 'webhook-timestamp': '17e8' }, { secrets: secret, now: clock })).rejects.toMatchObject({ code: 'malformed_header' });
  });

  it('accepts x-servo-signature alone only with legacy: true (no timestamp: no replay protection)', async () => {
    const legacy = { 'x-servo-signature': signed()['x-servo-signature']! };
    await expect(r.verify(body, legacy, { secrets: secret })).rejects.toMatchObject({ code: 'missing_headers' });
    const v = await r.verify(body, legacy, { secrets: secret, legacy: true });
    expect(v.schemes).toMatchObject([{ scheme: 'x-servo-signature', ok: true }]);
  });

  it('says what a parsed body or an unusable key is, instead of failing to match', async () => {
    await expect(r.verify(JSON.parse('{"a":1}'), signed(), { secrets: secret })).rejects.toMatchObject({ code: 'body_consumed' });
    await expect(r.verify(body, signed(), { secrets: [] })).rejects.toMatchObject({ code: 'invalid_key', status: 500 });
    for (const bad of [' whsec_abc', 'whsec_***', 'v1,abc']) {
      const e = await r.verify(body, signed(), { secrets: bad }).catch((x) => x);
      expect(e.code).toBe('invalid_key');
      expect(e.message).not.toContain(bad.trim());
    }
  });

  it('verifies the reference ed25519 vector (v1a) with its whpk_ public key, and refuses a changed body or a whsk_ key', async () => {
    const v = await r.verify(vector.body, vector.headers, { publicKeys: vector.publicKey, checkTimestamp: false });
    expect(v.schemes).toMatchObject([{ scheme: 'webhook-signature', ok: true, version: 'v1a', keyIndex: 0 }]);
    await expect(r.verify('{"test": 2432232315}', vector.headers, { publicKeys: [vector.publicKey], checkTimestamp: false })).rejects.toMatchObject({
      code: 'no_match',
    });
    await expect(
      r.verify(vector.body, vector.headers, { publicKeys: 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==' }),
    ).rejects.toMatchObject({ code: 'invalid_key' });
    const noKey = await r.verify(vector.body, vector.headers, { secrets: secret, checkTimestamp: false }).catch((e) => e);
    expect(noKey.message).toContain('no public key given');
  });

  it('verifies what the standardwebhooks library signs', async () => {
    const wh = new Webhook(secret);
    const at = new Date(now * 1000);
    const text = '{"hello":"wörld"}';
    const sig = wh.sign('msg_2', at, text);
    const v = await r.verify(text, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(now), 'webhook-signature': sig }, { secrets: secret, now: clock });
    expect(v.schemes[0]!.ok).toBe(true);
  });
});
