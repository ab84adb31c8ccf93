/**
 * `wire: legacy`: bodies as servo-webhooks 0.3 (Python) sent them, for
 * receivers that re-serialise the parsed JSON before verifying. A real
 * python3 checks `json.dumps(json.loads(body)).encode() == body` for the body
 * of every standard event a receiver on 127.0.0.1 gets (non-ASCII and astral
 * text, 87.0, 1e+16, 1e-05, -0.0 in them); both signatures are over exactly
 * those bytes. In CI (.ci/run installs python3) a missing python3 fails.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Servo } from 'servo-core';
import { startReceiver, type Receiver, skipWithout } from '../../../../test-support/index.js';
import { LEGACY_CONTENT_TYPE } from '../../src/payload/content-type.js';
import { pythonNumber } from '../../src/payload/python-json.js';
import { EVENTS, dispatchAll, modelServo, modelWebhooks } from '../helpers/model-servo.js';
import { signedWith, standardSignatureMatches } from '../helpers/verify.js';

const skip = skipWithout('python3', ['-c', 'pass']);

/** Runs `script` with `input` (JSON) on stdin; its stdout parsed as JSON. */
function python(script: string, input: unknown): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(input) }).toString());
}

const ROUND_TRIP = `
import base64, json, sys
bodies = json.load(sys.stdin)
out = []
for b64 in bodies:
    body = base64.b64decode(b64)
    out.append(json.dumps(json.loads(body)).encode() == body)
print(json.dumps(out))
`;

let rx: Receiver;
let servo: Servo | undefined;
beforeEach(async () => {
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await rx.close();
});

describe('wire: legacy', () => {
  it.skipIf(skip)('every standard event body re-serialises byte for byte with Python json.dumps; signatures are over those bytes', async () => {
    servo = await modelServo(modelWebhooks(rx, { wire: 'legacy' }));
    await dispatchAll(servo);
    await servo.close();
    servo = undefined;
    const requests = rx.requests.filter((r) => r.json().event !== 'ping');
    expect(new Set(requests.map((r) => r.json().event)).size).toBe(EVENTS.length * 2);
    for (const r of rx.requests) {
      expect(r.header('content-type')).toBe(LEGACY_CONTENT_TYPE);
      expect(signedWith('s3cr3t!', r)).toBe(true);
      expect(standardSignatureMatches('s3cr3t!', r)).toBe(true);
    }
    const all = rx.requests.map((r) => r.body.toString('latin1')).join('\n');
    for (const text of ['87.0', '1e+16', '1e-05', '-0.0', '\\ud83d\\ude00', '\\u00ea', '\\u007f', '"min": 0.25', '"value": 1.0', '", "', '": ']) {
      expect(all, text).toContain(text);
    }
    expect(all).not.toMatch(/[^\x20-\x7e\n]/); // ASCII only
    const same = python(
      ROUND_TRIP,
      rx.requests.map((r) => r.body.toString('base64')),
    ) as boolean[];
    expect(same).toHaveLength(rx.requests.length);
    expect(
      same.every(Boolean),
      rx.requests
        .filter((_, i) => !same[i])
        .map((r) => r.body.toString())
        .join('\n'),
    ).toBe(true);
  });

  it.skipIf(skip)('writes floats as Python repr does', () => {
    const numbers = [
      0,
      -0,
      87,
      0.1,
      1.5,
      1e-4,
      1e-5,
      1.25e-7,
      123456789.125,
      1e15,
      1e16,
      1.5e16,
      2 ** 53 + 2,
      1e21,
      1e300,
      -2.5e-300,
      5e-324,
      1.7976931348623157e308,
      -1234.5,
    ];
    const repr = python('import json, sys\nprint(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))', numbers) as string[];
    // -0 does not survive JSON.stringify: Python got 0, whose float repr is 0.0; ours keeps the sign.
    expect(numbers.map((n) => pythonNumber(n, true))).toEqual(repr.map((r, i) => (Object.is(numbers[i], -0) ? '-0.0' : r)));
  });

  it('standard webhooks keep the compact layout and the standard content type beside a legacy one', async () => {
    servo = await modelServo([
      { name: 'old receiver', events: 'after:measure', url: rx.url('/old'), secret: 's', wire: 'legacy' },
      { name: 'new', events: 'after:measure', url: rx.url('/new'), secret: 's' },
    ]);
    await servo.dispatch('measure', {});
    await servo.close();
    servo = undefined;
    const old = rx.requests.find((r) => r.path === '/old')!;
    const fresh = rx.requests.find((r) => r.path === '/new')!;
    expect(fresh.header('content-type')).toMatch(/^application\/vnd\.opsani\.servo\.webhooks\.event\+json/);
    expect(fresh.body.toString()).toContain('"value":87}');
    expect(old.body.toString()).toContain('"value": 87.0}');
    // The same data (JSON.stringify: -0.0 parses to -0, which the standard layout writes as 0).
    expect(JSON.stringify({ ...old.json(), id: 0, webhook: 0 })).toBe(JSON.stringify({ ...fresh.json(), id: 0, webhook: 0 }));
  });
});
