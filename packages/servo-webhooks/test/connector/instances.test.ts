/**
 * Two instances of the connector in one servo.yaml
 * (`connectors: {hooks_a: webhooks, hooks_b: webhooks}`), loaded with
 * `loadServo`: each has its own webhooks, secret and delivery engine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadServo, type DiscoveredConnector, type Servo } from 'servo-core';
import { deadUrl, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { targetConnector, webhooks, type TargetLog } from '../helpers/servo.js';
import { hmacSha1Hex, signedWith } from '../helpers/verify.js';

const SECRET_A = 'secret-of-hooks-a';
const SECRET_B = 'whsec_c2VjcmV0LW9mLWhvb2tzLWItMTIzNDU2Nzg5MA==';

let dir: string;
let a: Receiver;
let b: Receiver;
let servo: Servo | undefined;
let log: TargetLog;

function known(type: string, load: () => Promise<any>): DiscoveredConnector {
  return { type, packageName: 'test', modulePath: `/virtual/${type}.js`, load };
}

async function load(yaml: string, env: Record<string, string> = {}): Promise<Servo> {
  const file = join(dir, 'servo.yaml');
  writeFileSync(file, yaml);
  log = { measured: [], adjusted: [] };
  const connectors = new Map([
    ['target', known('target', async () => targetConnector(log))],
    ['webhooks', known('webhooks', async () => webhooks)],
  ]);
  return loadServo({ configFile: file, env, connectors });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'servo-webhooks-instances-'));
  a = await startReceiver();
  b = await startReceiver();
});
afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('two webhooks instances', () => {
  it('deliver independently, each signed with its own secret (one from ${VAR})', async () => {
    servo = await load(
      `name: twin
connectors:
  target: target
  hooks_a: webhooks
  hooks_b: webhooks
target: {}
hooks_a:
  - name: audit
    events: after:measure
    url: ${a.url('/a')}
    secret: ${SECRET_A}
hooks_b:
  - name: audit
    events: after:measure
    url: ${b.url('/b')}
    secret: \${HOOK_B_SECRET}
`,
      { HOOK_B_SECRET: SECRET_B },
    );
    expect(servo.connectors.filter((c) => c.type === 'webhooks').map((c) => c.name)).toEqual(['hooks_a', 'hooks_b']);
    await servo.dispatch('measure', {});
    const [ra] = await a.waitFor(1);
    const [rb] = await b.waitFor(1);
    await servo.close();
    servo = undefined;
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    expect(ra!.path).toBe('/a');
    expect(rb!.path).toBe('/b');
    expect(signedWith(SECRET_A, ra!)).toBe(true);
    expect(signedWith(SECRET_B, rb!)).toBe(true);
    expect(signedWith(SECRET_B, ra!)).toBe(false);
    expect(rb!.header('x-servo-signature')).not.toBe(hmacSha1Hex(SECRET_A, rb!.body));
    expect(ra!.json().servo).toEqual({ name: 'twin' });
    expect(ra!.json().id).not.toBe(rb!.json().id);
  });

  it("one instance's failing receiver does not hold up the other", async () => {
    const down = await deadUrl();
    servo = await load(`connectors: {target: target, hooks_a: webhooks, hooks_b: webhooks}
target: {}
hooks_a:
  - {name: broken, events: after:measure, url: "${down}", secret: ${SECRET_A}, backoff: false}
hooks_b:
  - {name: fine, events: [after:measure], url: "${b.url()}", secret: "${SECRET_B}"}
`);
    await servo.dispatch('measure', {});
    const [rb] = await b.waitFor(1);
    expect(rb!.json().webhook).toEqual({ name: 'fine' });
    expect(signedWith(SECRET_B, rb!)).toBe(true);
  });

  it('validates each instance on its own, naming the instance in the error path', async () => {
    await expect(
      load(`connectors: {target: target, hooks_a: webhooks, hooks_b: webhooks}
target: {}
hooks_a:
  - {events: after:measure, url: "${a.url()}", secret: s}
hooks_b:
  - {events: on:measure, url: "${b.url()}", secret: s}
`),
    ).rejects.toThrow(/hooks_b\[0\]\.events.*`on:` is not supported/s);
  });

  it('refuses two instances sharing one sqlite store (rows are keyed by webhook name), naming both', async () => {
    const section = (url: string) => `\n  store: sqlite:./shared.db\n  webhooks:\n    - {events: after:measure, url: "${url}", secret: s}\n`;
    await expect(
      load(`connectors: {target: target, hooks_a: webhooks, hooks_b: webhooks}\ntarget: {}\nhooks_a:${section(a.url())}hooks_b:${section(b.url())}`),
    ).rejects.toThrow(/connectors "hooks_a" and "hooks_b" both use the store .*shared\.db/);
    // The refused assembly released its claim: one instance alone may use the file.
    servo = await load(`connectors: {target: target, hooks_a: webhooks}\ntarget: {}\nhooks_a:${section(a.url())}`);
    await servo.dispatch('measure', {});
    await a.waitFor(1);
  });
});
