/**
 * Key rotation (`secret` as a list) and ed25519 (`signing_key`, Standard
 * Webhooks v1a): the signer's headers, real deliveries of a configured servo
 * verified by the receiver toolkit with each secret and with the public key
 * `servo webhooks keygen` printed, masking in every output, located errors.
 */
import { signRequest } from 'servo-webhooks/signing';
import { verify } from 'servo-webhooks/receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from './helpers/assembly.js';

const VECTOR_SK = 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==';
const VECTOR_PK = 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=';
const NEW = 'whsec_bmV3IHNlY3JldCBmb3Igcm90YXRpb24=';
const OLD = 'old-raw-secret';

let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
  asm?.remove();
  asm = undefined;
});

describe('signing with several secrets and an ed25519 key', () => {
  it('reproduces the reference v1a vector (ed25519 is deterministic), from the 64-byte key and from its bare seed', () => {
    const body = new TextEncoder().encode('{"test": 2432232314}');
    const expected = 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==';
    const sig = signRequest('s', 'msg_p5jXN8AQM9LWM0D4loKWxJek', body, 1614265330, VECTOR_SK)['webhook-signature'];
    expect(sig.split(' ')[1]).toBe(expected);
    const seedOnly = `whsk_${Buffer.from(VECTOR_SK.slice(5), 'base64').subarray(0, 32).toString('base64')}`;
    expect(signRequest('s', 'msg_p5jXN8AQM9LWM0D4loKWxJek', body, 1614265330, seedOnly)['webhook-signature'].split(' ')[1]).toBe(expected);
  });

  it('one v1 entry per secret, the first secret alone signs x-servo-signature', () => {
    const body = new TextEncoder().encode('{}');
    const both = signRequest([NEW, OLD], 'msg_1', body, 1000);
    const one = signRequest(NEW, 'msg_1', body, 1000);
    const old = signRequest(OLD, 'msg_1', body, 1000);
    expect(both['x-servo-signature']).toBe(one['x-servo-signature']);
    expect(both['webhook-signature']).toBe(`${one['webhook-signature']} ${old['webhook-signature']}`);
  });

  it('refuses a spliced whsk_ key (public half not of its seed) without printing it', () => {
    const bytes = Buffer.from(VECTOR_SK.slice(5), 'base64');
    bytes[40] = bytes[40]! ^ 1;
    const spliced = `whsk_${bytes.toString('base64')}`;
    expect(() => signRequest('s', 'm', new Uint8Array(), 1, spliced)).toThrow(/not the public key of its seed/);
  });
});

describe('a configured servo with secret: [new, old] and signing_key', () => {
  async function setup(signingKey: string): Promise<Assembly> {
    rx = await startReceiver();
    asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:
  - name: rotating
    events: [after:measure]
    url: ${rx.url()}
    secret:
      - \${NEW_SECRET}
      - "${OLD}"
    signing_key: \${SIGNING_KEY}
`);
    return asm;
  }

  it('delivers requests each secret and the keygen public key verify; receivers still on the old secret keep working', async () => {
    const keys = await runCli(['--output', 'json', 'webhooks', 'keygen']);
    expect(keys.code, keys.stderr).toBe(0);
    const { signing_key, public_key } = JSON.parse(keys.stdout) as { signing_key: string; public_key: string };
    expect(signing_key).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(public_key).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const a = await setup(signing_key);
    const env = { NEW_SECRET: NEW, SIGNING_KEY: signing_key };
    const run = await runCli(['measure'], { config: a.configFile, cwd: a.dir, env });
    expect(run.code, run.stderr).toBe(0);
    await rx!.waitFor(1);
    const req = rx!.requests[0]!;
    const headers = req.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ').map((e) => e.split(',')[0])).toEqual(['v1', 'v1', 'v1a']);
    const withNew = await verify(req.body, headers, { secrets: NEW });
    expect(withNew.schemes.map((s) => [s.scheme, s.ok])).toEqual([
      ['webhook-signature', true],
      ['x-servo-signature', true],
    ]);
    // A receiver not yet given the new secret: webhook-signature verifies, x-servo-signature (first secret only) does not.
    await expect(verify(req.body, headers, { secrets: OLD })).rejects.toMatchObject({ code: 'no_match', schemes: [{ ok: true }, { ok: false }] });
    const withKey = await verify(
      req.body,
      { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] },
      { publicKeys: public_key },
    );
    expect(withKey.schemes[0]).toMatchObject({ ok: true, version: 'v1a' });

    const outputs = await Promise.all([
      runCli(['config'], { config: a.configFile, cwd: a.dir, env }),
      runCli(['--output', 'json', 'config'], { config: a.configFile, cwd: a.dir, env }),
      runCli(['webhooks', 'list'], { config: a.configFile, cwd: a.dir, env }),
    ]);
    for (const o of outputs) {
      expect(o.code, o.stderr).toBe(0);
      const text = o.stdout + o.stderr;
      for (const secret of [NEW, OLD, signing_key]) expect(text).not.toContain(secret);
    }
  });

  it('a bad secret in the list or a bad signing_key is a located config error (exit 2) that never shows it', async () => {
    const a = await setup('x');
    const bad = await runCli(['validate'], { config: a.configFile, cwd: a.dir, env: { NEW_SECRET: 'whsec_not*base64', SIGNING_KEY: 'whsk_short' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/webhooks\[0\]\.secret\[0\]: webhook secret starts with "whsec_"/);
    expect(bad.stderr).toMatch(/webhooks\[0\]\.signing_key: signing_key must be "whsk_"/);
    expect(bad.stderr).not.toContain('not*base64');
    expect(bad.stderr).not.toContain('whsk_short');
  });
});
