/**
 * parse, cancel, Idempotency (servo-webhooks/receiver) and readNodeRequest
 * (servo-webhooks/receiver/node) through real sockets on 127.0.0.1, and a
 * cancel answer read by the sender's own gate.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildBodyJson } from 'servo-webhooks/payload';
import { isEvent, Idempotency, type WebhookBody } from 'servo-webhooks/receiver';
import { readNodeRequest, send } from 'servo-webhooks/receiver/node';
import { afterEach, describe, expect, it } from 'vitest';
import { builds } from './builds.js';

const measureBody = (results: unknown) =>
  JSON.stringify({
    id: 'msg_1',
    event: 'after:measure',
    created_at: '2026-11-28T18:14:42.129000+00:00',
    servo: { name: 'demo' },
    webhook: { name: 'w' },
    schema_version: 1,
    params: { control: { duration: '0s' } },
    results,
  });

describe.each(builds)('receiver parse and cancel (%s)', (_name, r) => {
  it('parses a body the sender built and narrows it by event', () => {
    const text = buildBodyJson({
      id: 'msg_9',
      event: 'after:measure',
      createdAt: new Date(),
      servo: 'demo',
      webhook: 'w',
      params: { control: { duration: '1s' } },
      results: [{ connector: 'x', value: { readings: [] } }],
    });
    const body: WebhookBody = r.parse(new TextEncoder().encode(text));
    expect(isEvent(body, 'after:measure')).toBe(true);
    if (isEvent(body, 'after:measure')) {
      const first = body.results[0]!;
      expect('value' in first ? first.value.readings : undefined).toEqual([]);
    }
  });

  it('names the first envelope field that is wrong (invalid_body, 400)', () => {
    const cases: [string | Uint8Array, string][] = [
      ['not json', 'not JSON'],
      [new Uint8Array([0xff, 0xfe]), 'not UTF-8'],
      ['[]', 'JSON object'],
      [measureBody({}), 'results must be an array'],
      [measureBody([{ connector: 'x' }]), 'results[0] must have a value or an error'],
      [measureBody([{ connector: 'x', error: { type: 'E' } }]), 'results[0].error'],
      [measureBody([]).replace('"event":"after:measure"', '"event":"measure"'), 'event must be'],
      [measureBody([]).replace('2026-11-28T18:14:42.129000+00:00', 'yesterday'), 'created_at'],
      [measureBody([]).replace('"after:measure"', '"before:measure"'), 'results must be null'],
    ];
    for (const [input, message] of cases) {
      const error = (() => {
        try {
          r.parse(input);
        } catch (e) {
          return e as { code: string; status: number; message: string };
        }
      })();
      expect(error?.code, message).toBe('invalid_body');
      expect(error?.status).toBe(400);
      expect(error?.message).toContain(message);
    }
  });

  it('cancel() builds the answer the sender reads as a cancel, plain and as a Fetch Response', async () => {
    const plain = r.cancel('outside the change window');
    expect(plain).toEqual({
      status: 200,
      headers: { 'content-type': 'application/vnd.opsani.servo.errors.CancelEventError+json' },
      body: '{"reason":"outside the change window"}',
    });
    const response = r.cancelResponse('outside the change window');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(plain.headers['content-type']);
    expect(await response.json()).toEqual({ reason: 'outside the change window' });
    expect(() => r.cancel('')).toThrow(TypeError);
  });
});

describe('Idempotency', () => {
  it('claims an id once, answers duplicates until the TTL passes, releases it when the handler fails, stays bounded', async () => {
    let now = 0;
    const ids = new Idempotency({ now: () => now, maxEntries: 3 });
    let runs = 0;
    expect(await ids.run('a', () => ++runs)).toEqual({ duplicate: false, value: 1 });
    expect(await ids.run('a', () => ++runs)).toEqual({ duplicate: true });
    await expect(ids.run('b', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await ids.run('b', () => ++runs)).toEqual({ duplicate: false, value: 2 });
    expect(ids.claim('c')).toBe('claimed');
    expect(ids.claim('c')).toBe('in_progress');
    await expect(ids.run('c', () => 0)).rejects.toMatchObject({ code: 'in_progress', status: 409 });
    ids.claim('d');
    expect(ids.size).toBe(3);
    now = 600_001;
    expect(ids.claim('a')).toBe('claimed');
    expect(ids.size).toBe(1);
    expect(() => new Idempotency({ ttlSeconds: 60 })).toThrow(/at least the tolerance/);
  });
});

describe('readNodeRequest (servo-webhooks/receiver/node)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  async function serve(handler: (req: IncomingMessage) => Promise<unknown>): Promise<string> {
    server = createServer(async (req, res) => {
      try {
        send(res, { status: 200, headers: { 'content-type': 'text/plain' }, body: String(await handler(req)) });
      } catch (error) {
        send(res, error as never);
      }
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', () => done()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  function post(url: string, body: Buffer, chunked = false): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('reads the raw bytes, answers 413 past the limit (declared or streamed) and fails fast after a body parser', async () => {
    const url = await serve(async (req) => {
      if (req.url === '/parsed') {
        for await (const _ of req); // a body parser read it
      }
      const bytes = await readNodeRequest(req, { limit: 1024 });
      return Buffer.from(bytes).toString('utf8');
    });
    expect(await post(url, Buffer.from('{"emoji":"🚀"}'))).toEqual({ status: 200, text: '{"emoji":"🚀"}' });
    const big = await post(url, Buffer.alloc(2048, 'a'));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).error).toBe('body_too_large');
    expect((await post(url, Buffer.alloc(4096, 'a'), true)).status).toBe(413);
    const started = Date.now();
    const parsed = await post(`${url}parsed`, Buffer.from('{}'));
    expect(parsed.status).toBe(500);
    expect(JSON.parse(parsed.text)).toMatchObject({ error: 'body_consumed' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
