/**
 * What a receiver gets: method, body, headers and signatures of real requests
 * sent by an in-process servo to a recording receiver on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineConnector, defineEvent, events, type Servo, z } from 'servo-core';
import { EVENT_CONTENT_TYPE } from '../../src/payload/content-type.js';
import { bodySchema } from '../../src/payload/schema.js';
import { jsonSchemaProblems } from '../helpers/json-schema.js';
import { startReceiver, type Receiver } from '../../../../test-support/index.js';
import { MEASUREMENT, webhooksServo } from '../helpers/servo.js';
import { hmacSha1Hex, verifyStandard } from '../helpers/verify.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const RAW_SECRET = 'raw-s3cr3t-for-tests';

let receiver: Receiver;
let servo: Servo | undefined;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await receiver.close();
});

describe('after:measure request', () => {
  it('is a signed UTF-8 JSON POST with the documented body and headers', async () => {
    ({ servo } = await webhooksServo([
      {
        name: 'store_measurements',
        events: 'after:measure',
        url: receiver.url('/hooks/measure?src=e2e'),
        secret: RAW_SECRET,
        headers: [
          { name: 'x-some-header', value: 'some value' },
          { name: 'Authorization', value: 'Bearer token-1' },
        ],
      },
    ]));
    const before = Date.now();
    // A non-ASCII metric name shows the body is UTF-8 (not \u-escaped, not Latin-1).
    const result = await servo.dispatch('measure', { metrics: ['throughput', 'latência'] });
    expect(result.status).toBe('completed');
    const [req] = await receiver.waitFor(1);
    const after = Date.now();

    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/hooks/measure?src=e2e');
    expect(req!.body.includes(Buffer.from('latência', 'utf8'))).toBe(true);
    const body = req!.json();
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['id', 'event', 'created_at', 'servo', 'webhook', 'params', 'results']));
    expect(body.event).toBe('after:measure');
    expect(body.servo).toEqual({ name: 'e2e-servo' });
    expect(body.webhook).toEqual({ name: 'store_measurements' });
    expect(body.params.metrics).toEqual(['throughput', 'latência']);
    // Times as servox sent them: RFC 3339 with microseconds and a numeric offset.
    const readings = MEASUREMENT.readings.map((r) => ({ ...r, time: '2026-01-01T00:00:00.000000+00:00' }));
    expect(body.results).toEqual([{ connector: 'target', value: { ...MEASUREMENT, readings } }]);
    const created = Date.parse(body.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

    expect(req!.header('content-type')).toBe(EVENT_CONTENT_TYPE);
    expect(req!.header('content-type')).toMatch(/^application\/[\w.+-]+\+json\b/);
    expect(req!.header('user-agent')).toBe(`servo-webhooks/${VERSION}`);
    expect(req!.header('x-servo-event')).toBe('after:measure');
    expect(req!.header('x-servo-delivery')).toBe(body.id);
    expect(req!.header('webhook-id')).toBe(body.id);
    expect(req!.header('x-some-header')).toBe('some value');
    expect(req!.header('authorization')).toBe('Bearer token-1');

    // X-Servo-Signature: lowercase hex HMAC-SHA1 of the raw body, as in the seed's Python example.
    expect(req!.header('x-servo-signature')).toMatch(/^[0-9a-f]{40}$/);
    expect(req!.header('x-servo-signature')).toBe(hmacSha1Hex(RAW_SECRET, req!.body));
    // Standard Webhooks, with the library's raw key format.
    expect(verifyStandard(RAW_SECRET, req!)).toEqual(body);
    expect(Math.abs(Number(req!.header('webhook-timestamp')) - Date.now() / 1000)).toBeLessThan(60);
    // A different secret does not verify.
    expect(hmacSha1Hex('other-secret', req!.body)).not.toBe(req!.header('x-servo-signature'));
    expect(() => verifyStandard('other-secret', req!)).toThrow();
    // A re-serialised body (what receivers must not verify) is still the same JSON.
    expect(JSON.parse(req!.body.toString('utf8'))).toEqual(body);

    expect(jsonSchemaProblems(bodySchema(events.measure, 'after'), body)).toEqual([]);
  });

  it('verifies with the standardwebhooks library default (base64 key) for a whsec_ secret', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    ({ servo } = await webhooksServo([{ name: 'std', events: 'after:measure', url: receiver.url(), secret, headers: { 'X-Team': 'perf' } }]));
    await servo.dispatch('measure', {});
    const [req] = await receiver.waitFor(1);
    expect(verifyStandard(secret, req!)).toEqual(req!.json());
    // X-Servo-Signature keeps the original scheme: the whole secret string's UTF-8 bytes.
    expect(req!.header('x-servo-signature')).toBe(hmacSha1Hex(secret, req!.body));
    expect(req!.header('x-team')).toBe('perf');
  });

  it('signs each webhook with its own secret and names it in the body', async () => {
    ({ servo } = await webhooksServo([
      { name: 'one', events: 'after:measure', url: receiver.url('/one'), secret: 'secret-one' },
      { name: 'two', events: 'after:measure', url: receiver.url('/two'), secret: 'secret-two' },
    ]));
    await servo.dispatch('measure', {});
    const reqs = await receiver.waitFor(2);
    const byPath = Object.fromEntries(reqs.map((r) => [r.path, r]));
    expect(byPath['/one']!.json().webhook.name).toBe('one');
    expect(byPath['/two']!.json().webhook.name).toBe('two');
    expect(byPath['/one']!.header('x-servo-signature')).toBe(hmacSha1Hex('secret-one', byPath['/one']!.body));
    expect(byPath['/two']!.header('x-servo-signature')).toBe(hmacSha1Hex('secret-two', byPath['/two']!.body));
    expect(byPath['/one']!.json().id).not.toBe(byPath['/two']!.json().id);
  });

  it('sends before-webhooks with "results": null, matching the before:measure schema', async () => {
    ({ servo } = await webhooksServo([{ name: 'gate', events: 'before:measure', url: receiver.url(), secret: RAW_SECRET }]));
    await servo.dispatch('measure', { metrics: ['throughput'] });
    const [req] = await receiver.waitFor(1);
    const body = req!.json();
    expect(body.event).toBe('before:measure');
    expect(req!.header('x-servo-event')).toBe('before:measure');
    expect(body.results).toBeNull(); // as servo-webhooks 0.3 sent it: its receivers index the field
    expect(body.params.metrics).toEqual(['throughput']);
    expect(jsonSchemaProblems(bodySchema(events.measure, 'before'), body)).toEqual([]);
    // The after schema requires results: the two schemas really differ.
    expect(jsonSchemaProblems(bodySchema(events.measure, 'after'), body)).not.toEqual([]);
  });
});

describe('events declared by another connector', () => {
  const deploy = defineEvent({
    name: 'deploy',
    description: 'Deploy a version',
    params: z.object({ version: z.string(), canary: z.boolean().default(false) }),
    result: z.object({ deployed: z.string(), replicas: z.int() }),
  });
  const deployer = defineConnector({
    type: 'deployer',
    metadata: { version: '0.0.1', description: 'declares deploy', maturity: 'experimental' },
    config: z.object({}),
    events: [deploy],
    setup(ctx) {
      ctx.on(deploy, (params) => ({ deployed: params.version, replicas: 3 }));
    },
  });

  it('sends before:deploy and after:deploy bodies that validate against the event-derived schemas', async () => {
    ({ servo } = await webhooksServo([{ name: 'deploys', events: ['before:deploy', 'after:deploy'], url: receiver.url(), secret: RAW_SECRET }], {
      extra: [{ definition: deployer }],
    }));
    const result = await servo.dispatch('deploy', { version: '1.2.3' });
    expect(result.status).toBe('completed');
    const reqs = await receiver.waitFor(2);
    const byEvent = Object.fromEntries(reqs.map((r) => [r.json().event, r]));
    const beforeBody = byEvent['before:deploy']!.json();
    const afterBody = byEvent['after:deploy']!.json();
    expect(beforeBody.params).toEqual({ version: '1.2.3', canary: false });
    expect(afterBody.results).toEqual([{ connector: 'deployer', value: { deployed: '1.2.3', replicas: 3 } }]);
    expect(jsonSchemaProblems(bodySchema(deploy, 'before'), beforeBody)).toEqual([]);
    expect(jsonSchemaProblems(bodySchema(deploy, 'after'), afterBody)).toEqual([]);
    // The schema is specific to the event: a wrong result shape fails it.
    const tampered = { ...afterBody, results: [{ connector: 'deployer', value: { deployed: 1 } }] };
    expect(jsonSchemaProblems(bodySchema(deploy, 'after'), tampered)).not.toEqual([]);
    for (const r of reqs) expect(r.header('x-servo-signature')).toBe(hmacSha1Hex(RAW_SECRET, r.body));
  });
});
