import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { EventBodies, buildBody, buildBodyJson, type BodyInput } from '../../src/payload/body.js';
import { EVENT_CONTENT_TYPE, SCHEMA_VERSION } from '../../src/payload/content-type.js';
import { CIRCULAR } from '../../src/payload/serialize.js';
import { signRequest, verifyServoSignature, verifyStandardSignature } from '../../src/signing.js';

const createdAt = new Date('2025-03-01T12:00:00.000Z');
const base: BodyInput = {
  id: 'msg_01HZX',
  event: 'after:measure',
  createdAt,
  servo: 'my-servo',
  webhook: 'store_measurements',
  params: { metrics: ['throughput'], control: { duration: '5m' } },
};
const decode = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);

describe('buildBody', () => {
  it('emits the documented fields in the documented order', () => {
    const results = [
      { connector: 'prom', value: { readings: [], annotations: {} } },
      { connector: 'bad', error: Object.assign(new Error('no metrics'), { code: 'E_NOMETRICS' }) },
    ];
    const parsed = JSON.parse(decode(buildBody({ ...base, results })));
    expect(Object.keys(parsed)).toEqual(['id', 'event', 'created_at', 'servo', 'webhook', 'schema_version', 'params', 'results']);
    expect(parsed).toEqual({
      id: 'msg_01HZX',
      event: 'after:measure',
      created_at: '2025-03-01T12:00:00.000000+00:00',
      servo: { name: 'my-servo' },
      webhook: { name: 'store_measurements' },
      schema_version: SCHEMA_VERSION,
      // Unset optional fields of the model are null, as servox sent them.
      params: { metrics: ['throughput'], control: { duration: '5m', settlement: null, load: null, userdata: null, environment: null } },
      results: [
        { connector: 'prom', value: { readings: [], annotations: {} } },
        { connector: 'bad', error: { type: 'Error', message: 'no metrics', code: 'E_NOMETRICS' } },
      ],
    });
    expect(Object.keys(parsed.results[1])).toEqual(['connector', 'error']);
  });

  it('sends "results": null for before events, keeps an empty list for after events without results', () => {
    const before = JSON.parse(decode(buildBody({ ...base, event: 'before:measure' })));
    expect(before.results).toBeNull();
    expect(Object.keys(before).at(-1)).toBe('results');
    expect(JSON.parse(decode(buildBody({ ...base, results: [] }))).results).toEqual([]);
  });

  it('sends {} for undefined params and drops a result value that serialises to nothing', () => {
    const parsed = JSON.parse(decode(buildBody({ ...base, params: undefined, results: [{ connector: 'c', value: () => 1 }] })));
    expect(parsed.params).toEqual({});
    expect(parsed.results).toEqual([{ connector: 'c' }]);
  });

  it('error wins over value, and a thrown non-Error is still reported', () => {
    const parsed = JSON.parse(
      decode(
        buildBody({
          ...base,
          results: [
            { connector: 'a', value: 1, error: new TypeError('t') },
            { connector: 'b', error: 'oops' },
          ],
        }),
      ),
    );
    expect(parsed.results).toEqual([
      { connector: 'a', error: { type: 'TypeError', message: 't' } },
      { connector: 'b', error: { type: 'string', message: 'oops' } },
    ]);
  });

  it('never throws on unserialisable params and results and produces the documented forms', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const e1 = new Error('first');
    const e2 = new Error('second', { cause: e1 });
    (e1 as Error & { cause?: unknown }).cause = e2;
    const input: BodyInput = {
      ...base,
      params: { fn: () => 1, big: 12345678901234567890n, cyclic, when: new Date(0), bytes: Buffer.from('hi'), nan: NaN },
      results: [
        { connector: 'cyc', value: cyclic },
        { connector: 'err', error: e2 },
        { connector: 'nested-error', value: { failure: e1, tags: new Set(['a']), m: new Map([['k', 1n]]) } },
      ],
    };
    let json = '';
    expect(() => (json = buildBodyJson(input))).not.toThrow();
    const parsed = JSON.parse(json);
    expect(parsed.params).toEqual({
      big: '12345678901234567890',
      cyclic: { name: 'c', self: CIRCULAR },
      when: '1970-01-01T00:00:00.000Z',
      bytes: Buffer.from('hi').toString('base64'),
      nan: null,
    });
    expect(parsed.results).toEqual([
      { connector: 'cyc', value: { name: 'c', self: CIRCULAR } },
      { connector: 'err', error: { type: 'Error', message: 'second' } },
      { connector: 'nested-error', value: { failure: { type: 'Error', message: 'first' }, tags: ['a'], m: { k: '1' } } },
    ]);
  });

  it('rejects an invalid createdAt', () => {
    expect(() => buildBody({ ...base, createdAt: new Date(NaN) })).toThrow(RangeError);
  });

  it('is deterministic and encodes UTF-8 exactly as the JSON text', () => {
    const input = { ...base, params: { text: 'naïve ✓ 😀 \u2028', n: 1n } };
    const a = buildBody(input);
    const b = buildBody(input);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(buildBodyJson(input), 'utf8'))).toBe(true);
    expect(JSON.parse(decode(a)).params.text).toBe('naïve ✓ 😀 \u2028');
  });
});

describe('EventBodies', () => {
  it('builds, for each webhook of one event, the bytes buildBody builds', () => {
    const results = [
      { connector: 'prom', value: { text: 'naïve ✓', n: 1n } },
      { connector: 'bad', error: new TypeError('no') },
    ];
    const { id: _id, webhook: _webhook, ...event } = { ...base, results };
    const bodies = new EventBodies(event);
    for (const [id, webhook] of [
      ['msg_1', 'a'],
      ['msg_2', 'needs "escaping" \\ ✓'],
      ['msg_3', 'a'],
    ] as const) {
      expect(decode(bodies.build(id, webhook))).toBe(decode(buildBody({ ...base, results, id, webhook })));
    }
  });

  it('rejects an invalid createdAt when it is made', () => {
    expect(() => new EventBodies({ ...base, createdAt: new Date(NaN) })).toThrow(RangeError);
  });
});

describe('the signed bytes are the sent bytes', () => {
  it('a loopback receiver verifies both signatures over the raw body it received', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const legacySecret = 'super secret authentication code';
    const body = buildBody({ ...base, params: { text: 'héllo ✓', big: 2n ** 70n }, results: [{ connector: 'p', value: new Map([['a', 1]]) }] });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signRequest(secret, base.id, body, ts);
    const legacy = signRequest(legacySecret, base.id, body, ts);

    const server = createServer();
    const received = new Promise<{ raw: Buffer; req: IncomingMessage }>((resolve) => {
      server.on('request', (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.end();
          resolve({ raw: Buffer.concat(chunks), req });
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/hook`, {
        method: 'POST',
        headers: { 'content-type': EVENT_CONTENT_TYPE, ...headers, 'x-servo-signature': legacy['x-servo-signature'] },
        body,
      });
      expect(res.status).toBe(200);
      const { raw, req } = await received;
      expect(req.headers['content-type']).toBe(EVENT_CONTENT_TYPE);
      expect(raw.equals(Buffer.from(body))).toBe(true);
      expect(verifyServoSignature(legacySecret, raw, req.headers['x-servo-signature'] as string)).toBe(true);
      const std = {
        id: req.headers['webhook-id'] as string,
        timestamp: req.headers['webhook-timestamp'] as string,
        signature: req.headers['webhook-signature'] as string,
      };
      expect(verifyStandardSignature(secret, std, raw)).toBe(true);
      const wh = new Webhook(secret);
      const payload = wh.verify(raw.toString('utf8'), {
        'webhook-id': std.id,
        'webhook-timestamp': std.timestamp,
        'webhook-signature': std.signature,
      }) as { params: { big: string } };
      expect(payload.params.big).toBe((2n ** 70n).toString());
      // The classic receiver bug: re-serialising the parsed body (here with indentation) breaks the signature.
      const reserialised = JSON.stringify(JSON.parse(raw.toString('utf8')), null, 2);
      expect(JSON.parse(reserialised)).toEqual(JSON.parse(raw.toString('utf8')));
      expect(verifyStandardSignature(secret, std, reserialised)).toBe(false);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
