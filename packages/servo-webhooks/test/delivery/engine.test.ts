import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryEngine, type DeliveryEngineOptions } from '../../src/delivery/engine.js';
import type { Attempt } from '../../src/delivery/types.js';
import { isWebhookError } from '../../src/errors.js';
import { FakeClock, bytes, captureLogger, endpoint, receiver, reply, sleep, tick, waitFor, type Receiver } from './helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function server(...args: Parameters<typeof receiver>): Promise<Receiver> {
  const r = await receiver(...args);
  open.push(r);
  return r;
}

function engine(opts: Partial<DeliveryEngineOptions> & Pick<DeliveryEngineOptions, 'endpoints'>): DeliveryEngine {
  const e = new DeliveryEngine({ userAgent: 'servo-webhooks-test/1', random: () => 0, retryFloorMs: 0, ...opts });
  open.push(e);
  return e;
}

const SECRET = 'test-secret-do-not-log';
const BODY = '{"event":"after:measure","value":"body-marker-123"}';

describe('delivery', () => {
  it('retries 503, 503 then delivers on 200: one id, three signed attempts', async () => {
    const r = await server((_req, res, n) => reply(res, n < 3 ? 503 : 200, n < 3 ? 'busy' : 'ok'));
    const log = captureLogger();
    const attempts: Attempt[] = [];
    const responses: string[] = [];
    const e = engine({
      endpoints: [endpoint('audit', r.url, { headers: { 'x-extra': 'yes', 'X-Servo-Delivery': 'forged', 'Webhook-Signature': 'forged' } })],
      logger: log,
      onAttempt: (a) => attempts.push(a),
      onResponse: (d, res) => responses.push(`${d.id} ${res.status} ${Buffer.from(res.body).toString()}`),
    });
    const d = e.enqueue({ webhook: 'audit', event: 'after:measure', body: bytes(BODY), contentType: 'application/json' });
    expect(d.id).toMatch(/^msg_/);
    await waitFor(() => e.stats().audit!.delivered === 1, 10_000, 'delivery');

    expect(r.requests).toHaveLength(3);
    const wh = new Webhook(Buffer.from(SECRET).toString('base64'));
    for (const req of r.requests) {
      const h = req.headers;
      expect(h['x-servo-delivery']).toBe(d.id);
      expect(h['webhook-id']).toBe(d.id);
      expect(h['x-servo-event']).toBe('after:measure');
      expect(h['content-type']).toBe('application/json');
      expect(h['user-agent']).toBe('servo-webhooks-test/1');
      expect(h['x-extra']).toBe('yes');
      expect(req.body.toString()).toBe(BODY);
      expect(h['x-servo-signature']).toBe(createHmac('sha1', SECRET).update(BODY).digest('hex'));
      expect(() => wh.verify(req.body.toString(), h as Record<string, string>)).not.toThrow();
    }
    expect(attempts.map((a) => [a.number, a.status, a.outcome])).toEqual([
      [1, 503, 'retry'],
      [2, 503, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(responses).toEqual([`${d.id} 200 ok`]);
    const lines = log.attempts();
    expect(lines.map((l) => l.outcome)).toEqual(['retry', 'retry', 'delivered']);
    expect(lines[2]).toMatchObject({ webhook: 'audit', event: 'after:measure', id: d.id, attempt: 3, status: 200 });
    expect(typeof lines[0]!.latency_ms).toBe('number');
    const dump = JSON.stringify(log.lines);
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain('body-marker-123');
    expect(e.stats().audit).toMatchObject({ delivered: 1, retried: 2, failed: 2, dead: 0, queueDepth: 0, circuit: 'closed', disabled: false });
  });

  it('sends once when retries are off, and dead-letters the failure', async () => {
    const r = await server((_req, res) => reply(res, 503));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { retry: false })], logger: log });
    const d = e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    await sleep(100);
    expect(r.requests).toHaveLength(1);
    expect(log.attempts().map((l) => l.outcome)).toEqual(['failed']);
    const dead = e.deadLetters({ webhook: 'w' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: d.id, attempts: 1 });
    expect(dead[0]!.error).toContain('503');
  });

  it('does not retry a 400', async () => {
    const r = await server((_req, res) => reply(res, 400, 'bad'));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    await sleep(150);
    expect(r.requests).toHaveLength(1);
    expect(log.attempts()[0]).toMatchObject({ status: 400, outcome: 'failed' });
    expect(e.deadLetters()[0]!.error).toMatch(/^WEBHOOK_HTTP_STATUS: .*400/);
  });

  it('honours Retry-After: 1 (real time)', async () => {
    const r = await server((_req, res, n) => (n === 1 ? reply(res, 429, '', { 'retry-after': '1' }) : reply(res, 200)));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.delivered === 1);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(log.attempts()[0]).toMatchObject({ status: 429, outcome: 'retry', retry_in_ms: 1000 });
  });

  it('schedules exactly by Retry-After and the floor after a 429 (fake clock)', async () => {
    const clock = new FakeClock();
    const r = await server((_req, res, n) => (n === 1 ? reply(res, 429, '', { 'retry-after': '3' }) : n === 2 ? reply(res, 429) : reply(res, 200)));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log, clock, retryFloorMs: 10_000 });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => log.attempts().length === 1);
    // Retry-After 3 s, but the floor after a 429 is 10 s.
    expect(log.attempts()[0]).toMatchObject({ outcome: 'retry', retry_in_ms: 10_000 });
    await clock.advance(9_999);
    await sleep(50);
    expect(r.requests).toHaveLength(1);
    await clock.advance(1);
    await waitFor(() => log.attempts().length === 2);
    expect(log.attempts()[1]).toMatchObject({ outcome: 'retry', retry_in_ms: 10_000 });
    await clock.advance(10_000);
    await waitFor(() => e.stats().w!.delivered === 1);
  });

  it('gives up when Retry-After points past maxTime', async () => {
    const r = await server((_req, res) => reply(res, 503, '', { 'retry-after': '120' }));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { retry: { maxTries: 5, maxTimeMs: 30_000 } })], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    expect(r.requests).toHaveLength(1);
  });

  it('treats a 302 as a failed attempt, logs its Location and does not follow it', async () => {
    const other = await server((_req, res) => reply(res, 200));
    const r = await server((_req, res) => reply(res, 302, '', { location: other.url }));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    await sleep(150);
    expect(r.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
    expect(log.attempts()[0]).toMatchObject({ status: 302, outcome: 'redirect', location: other.url });
    expect(e.deadLetters()[0]!.error).toMatch(/^WEBHOOK_REDIRECT/);
  });

  it('times out slow response headers', async () => {
    const r = await server(() => {
      /* never answers */
    });
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 200, retry: false })], logger: log });
    const t0 = performance.now();
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(5_000);
    const line = log.attempts()[0]!;
    expect(line.error).toMatch(/^WEBHOOK_TIMEOUT: .*200 ms .*headers/);
    expect(line.status).toBeUndefined();
  });

  it('times out a slow body (the timeout covers the body too)', async () => {
    const r = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial'); // ...and never ends
    });
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 300, retry: false })], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.dead === 1);
    expect(log.attempts()[0]!.error).toMatch(/^WEBHOOK_TIMEOUT: .*body/);
    const out = await e.send({ webhook: 'w', event: 'before:x', body: bytes('{}'), contentType: 'application/json' }, { deadlineMs: 5000 });
    expect(out.ok).toBe(false);
    expect(!out.ok && isWebhookError(out.error, 'WEBHOOK_TIMEOUT')).toBe(true);
  });

  it('retries after a connection reset', async () => {
    const r = await server((req, res, n) => (n === 1 ? req.socket.destroy() : reply(res, 200)));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('{}'), contentType: 'application/json' });
    await waitFor(() => e.stats().w!.delivered === 1);
    const lines = log.attempts();
    expect(lines.map((l) => l.outcome)).toEqual(['retry', 'delivered']);
    expect(lines[0]!.error).toMatch(/^WEBHOOK_NETWORK/);
  });

  it('caps the response body and stops reading an endless one', async () => {
    let written = 0;
    let closed = false;
    const r = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (!closed && res.write(chunk)) written += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 20_000 })], bodyCap: 1000 });
    const t0 = performance.now();
    const out = await e.send({ webhook: 'w', event: 'before:x', body: bytes('{}'), contentType: 'application/json' }, { deadlineMs: 20_000 });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.response.truncated).toBe(true);
    expect(out.response.body.byteLength).toBe(1000);
    await waitFor(() => closed, 10_000, 'server to see the connection closed');
    expect(written).toBeLessThan(256 * 1024 * 1024);
  });

  it('keeps a receiver that never answers from delaying another endpoint', async () => {
    const dead = await server(() => {
      /* never answers */
    });
    const live = await server((_req, res) => reply(res, 200));
    const e = engine({
      endpoints: [endpoint('dead', dead.url, { timeoutMs: 30_000 }), endpoint('live', live.url)],
      concurrency: 2,
    });
    for (let i = 0; i < 20; i++) e.enqueue({ webhook: 'dead', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' });
    for (let i = 0; i < 5; i++) e.enqueue({ webhook: 'live', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' });
    await waitFor(() => e.stats().live!.delivered === 5, 5_000, 'live deliveries');
    expect(dead.started).toBe(2); // its own concurrency limit
    expect(e.stats().dead!.queueDepth).toBe(20);
  });

  it('drops the oldest past maxQueue (memory store), counting and logging each id', async () => {
    const r = await server(() => {
      /* holds requests */
    });
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 30_000 })], maxQueue: 3, concurrency: 1, logger: log });
    const ids = Array.from({ length: 6 }, (_, i) => e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' }).id);
    const drops = log.lines.filter((l) => l.msg?.startsWith('webhook delivery dropped'));
    expect(drops.map((l) => l.obj.id)).toEqual(ids.slice(0, 3));
    expect(drops.every((l) => l.level === 'warn')).toBe(true);
    expect(e.stats().w).toMatchObject({ dropped: 3, queueDepth: 3 });
    await waitFor(() => r.started === 1);
    expect(r.requests[0]!.headers['x-servo-delivery']).toBe(ids[3]);
  });

  it('disables an endpoint on 410 (one error log) until enable()', async () => {
    let status = 410;
    const r = await server((_req, res) => reply(res, status));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('1'), contentType: 'text/plain' });
    await waitFor(() => e.stats().w!.disabled);
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('2'), contentType: 'text/plain' });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('3'), contentType: 'text/plain' });
    await sleep(200);
    expect(r.requests).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(log.attempts()[0]).toMatchObject({ status: 410, outcome: 'gone' });
    const gated = await e.send({ webhook: 'w', event: 'before:x', body: bytes('g'), contentType: 'text/plain' }, { deadlineMs: 1000 });
    expect(!gated.ok && isWebhookError(gated.error, 'WEBHOOK_ENDPOINT_DISABLED')).toBe(true);
    expect(e.stats().w).toMatchObject({ disabled: true, queueDepth: 3 });

    status = 200;
    e.enable('w');
    await waitFor(() => e.stats().w!.delivered === 3);
    // The delivery that got the 410 was kept and is sent again.
    expect(
      r.requests
        .slice(1)
        .map((q) => q.body.toString())
        .sort(),
    ).toEqual(['1', '2', '3']);
    expect(e.stats().w!.disabled).toBe(false);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('opens the circuit after N failures, waits, then half-opens after the cooldown (fake clock)', async () => {
    const clock = new FakeClock();
    let status = 500;
    const r = await server((_req, res) => reply(res, status));
    const log = captureLogger();
    const e = engine({
      endpoints: [endpoint('w', r.url, { retry: { maxTries: 100, maxTimeMs: 3_600_000 } })],
      breaker: { failures: 3, cooldownMs: 30_000 },
      clock,
      logger: log,
    });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('a'), contentType: 'text/plain' });
    await waitFor(() => r.requests.length === 3);
    await waitFor(() => e.stats().w!.circuit === 'open');
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('b'), contentType: 'text/plain' });
    await sleep(150);
    expect(r.requests).toHaveLength(3);
    expect(log.lines.filter((l) => l.msg?.startsWith('webhook circuit opened'))).toHaveLength(1);

    await clock.advance(29_999);
    await sleep(50);
    expect(r.requests).toHaveLength(3);
    expect(e.stats().w!.circuit).toBe('open');
    // A gate does not wait for the cooldown: it fails fast.
    const gated = await e.send({ webhook: 'w', event: 'before:x', body: bytes('g'), contentType: 'text/plain' }, { deadlineMs: 5000 });
    expect(!gated.ok && isWebhookError(gated.error, 'WEBHOOK_CIRCUIT_OPEN')).toBe(true);
    expect(r.requests).toHaveLength(3);

    // Half-open: exactly one probe; it fails, the circuit opens again.
    await clock.advance(1);
    await waitFor(() => r.requests.length === 4);
    await waitFor(() => e.stats().w!.circuit === 'open');
    await sleep(100);
    expect(r.requests).toHaveLength(4);

    status = 200;
    await clock.advance(30_000);
    await waitFor(() => e.stats().w!.delivered === 2);
    expect(e.stats().w).toMatchObject({ circuit: 'closed', dead: 0, dropped: 0 });
    expect(r.requests).toHaveLength(6);
  });

  it('send(): not queued behind after-deliveries, bounded by its deadline', async () => {
    let mode: 'hold' | 'fail' = 'hold';
    const r = await server((req, res) => {
      if (req.headers['x-servo-event'] === 'before:adjust') return reply(res, mode === 'fail' ? 503 : 200, 'go');
      // after-deliveries are held forever
    });
    const e = engine({
      endpoints: [endpoint('w', r.url, { timeoutMs: 30_000, retry: { maxTries: 50, maxTimeMs: 60_000 } })],
      concurrency: 1,
      backoff: { initialMs: 100 },
      random: () => 1,
    });
    for (let i = 0; i < 3; i++) e.enqueue({ webhook: 'w', event: 'after:adjust', body: bytes(`${i}`), contentType: 'text/plain' });
    await waitFor(() => r.started === 1);
    const ok = await e.send({ webhook: 'w', event: 'before:adjust', body: bytes('g'), contentType: 'text/plain', id: 'msg_gate' }, { deadlineMs: 5000 });
    expect(ok.ok).toBe(true);
    expect(ok.ok && Buffer.from(ok.response.body).toString()).toBe('go');
    expect(ok.attempts).toBe(1);

    mode = 'fail';
    const t0 = performance.now();
    const bad = await e.send({ webhook: 'w', event: 'before:adjust', body: bytes('g'), contentType: 'text/plain' }, { deadlineMs: 600 });
    const elapsed = performance.now() - t0;
    expect(bad.ok).toBe(false);
    expect(bad.attempts).toBeGreaterThan(1);
    expect(elapsed).toBeLessThan(600 + 1500);
    expect(!bad.ok && bad.response?.status).toBe(503);

    const ac = new AbortController();
    const pending = e.send({ webhook: 'w', event: 'before:adjust', body: bytes('g'), contentType: 'text/plain' }, { deadlineMs: 60_000, signal: ac.signal });
    await sleep(50);
    ac.abort();
    const aborted = await pending;
    expect(!aborted.ok && isWebhookError(aborted.error, 'WEBHOOK_ABORTED')).toBe(true);
  });

  it('drain() waits for the queues, then summarises and refuses new deliveries', async () => {
    const r = await server((_req, res) => setTimeout(() => reply(res, 200), 50));
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url)], logger: log });
    for (let i = 0; i < 5; i++) e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' });
    const summary = await e.drain(10_000);
    expect(summary).toEqual({ delivered: 5, pending: 0, dead: 0, dropped: 0, lost: [] });
    expect(log.lines.find((l) => l.msg === 'webhook delivery drained')?.obj).toEqual(summary);
    expect(() => e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('late'), contentType: 'text/plain' })).toThrow(/draining/);
  });

  it('drain() stops at its timeout and reports what is left', async () => {
    const r = await server(() => {
      /* never answers */
    });
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 30_000 })], logger: log });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' }).id);
    await waitFor(() => r.started === 3);
    const t0 = performance.now();
    const summary = await e.drain(300);
    expect(performance.now() - t0).toBeLessThan(5_000);
    // A memory store loses them with the process: the summary names each one.
    expect(summary).toEqual({ delivered: 0, pending: 3, dead: 0, dropped: 0, lost: ids.map((id) => ({ id, webhook: 'w', event: 'after:x' })) });
    expect(log.lines.some((l) => l.level === 'warn' && l.msg?.includes('lost'))).toBe(true);
  });

  it('drain() returns early when only far-off retries are left', async () => {
    const r = await server((_req, res) => reply(res, 503));
    const e = engine({ endpoints: [endpoint('w', r.url)], backoff: { initialMs: 600_000 }, random: () => 0.5 });
    e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('1'), contentType: 'text/plain' });
    await waitFor(() => e.stats().w!.retried === 1);
    const t0 = performance.now();
    const summary = await e.drain(20_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(summary.pending).toBe(1);
  });

  it('survives callbacks that throw, logging them', async () => {
    const r = await server((_req, res) => reply(res, 200));
    const log = captureLogger();
    const e = engine({
      endpoints: [endpoint('w', r.url)],
      logger: log,
      onAttempt: () => {
        throw new Error('observer bug');
      },
      onResponse: () => {
        throw new Error('observer bug');
      },
    });
    for (let i = 0; i < 3; i++) e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' });
    await waitFor(() => e.stats().w!.delivered === 3);
    expect(log.lines.filter((l) => l.msg === 'webhook engine callback failed')).toHaveLength(6);
    expect(e.stats().w!.queueDepth).toBe(0);
  });

  it('gives a delivery held behind an open circuit its own copy of the body (no shared 8 KB pool slab kept alive)', async () => {
    const r = await server((_req, res) => reply(res, 503));
    const e = engine({ endpoints: [endpoint('w', r.url, { retry: false })], breaker: { failures: 1, cooldownMs: 600_000 } });
    const body = () => Buffer.from('x'.repeat(100)); // small Buffer.from() bodies come from the shared pool
    expect(body().buffer.byteLength).toBeGreaterThan(100);
    const first = e.enqueue({ webhook: 'w', event: 'after:x', body: body(), contentType: 'text/plain' });
    expect(first.body.buffer.byteLength).toBeGreaterThan(100); // a healthy endpoint: no copy
    await waitFor(() => e.stats().w!.circuit === 'open');
    const waiting = e.enqueue({ webhook: 'w', event: 'after:x', body: body(), contentType: 'text/plain' });
    expect(waiting.body.buffer.byteLength).toBe(100);
    expect(Buffer.from(waiting.body).toString()).toBe('x'.repeat(100));
  });

  /** A receiver that holds every request until `open()`, then answers them and all later ones 200. */
  async function gatedServer(): Promise<Receiver & { open(): void }> {
    const held: ServerResponse[] = [];
    let isOpen = false;
    const r = await server((_req, res) => (isOpen ? reply(res, 200) : held.push(res)));
    return Object.assign(r, {
      open() {
        isOpen = true;
        for (const res of held.splice(0)) reply(res, 200);
      },
    });
  }

  it('delivers a backlog far past the in-memory queue in order, every body and header intact', async () => {
    const r = await gatedServer();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 60_000 })], concurrency: 1 });
    // Sizes around the spool's 256 KB chunks, one larger than a chunk.
    const sizes = [0, 1, 1_700, 200_000, 300_000, 60_000, 5];
    const sent = Array.from({ length: 1_000 }, (_, i) => {
      const body = Buffer.alloc(sizes[i % sizes.length]!, i % 251);
      const d = e.enqueue({ webhook: 'w', event: i % 2 ? 'after:measure' : 'channel:alerts', body, contentType: `text/x-${i % 3}`, id: `msg_${i}` });
      return { id: d.id, event: d.event, body, type: `text/x-${i % 3}` };
    });
    expect(e.stats().w!.queueDepth).toBe(1_000);
    await waitFor(() => r.started === 1);
    r.open();
    await waitFor(() => e.stats().w!.delivered === 1_000, 30_000, '1,000 deliveries');
    expect(r.requests.map((q) => q.headers['x-servo-delivery'])).toEqual(sent.map((s) => s.id));
    r.requests.forEach((q, i) => {
      expect(q.headers['content-type']).toBe(sent[i]!.type);
      expect(q.headers['x-servo-event']).toBe(sent[i]!.event);
      expect(q.body.equals(sent[i]!.body)).toBe(true);
    });
    expect(e.stats().w!.queueDepth).toBe(0);
  });

  it('drops the oldest past maxQueue across a long backlog, then delivers the rest in order', async () => {
    const r = await gatedServer();
    const log = captureLogger();
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 60_000 })], maxQueue: 300, concurrency: 1, logger: log });
    const ids = Array.from({ length: 400 }, (_, i) => e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' }).id);
    await waitFor(() => r.started === 1);
    const dropped = log.lines.filter((l) => l.msg?.startsWith('webhook delivery dropped')).map((l) => l.obj.id);
    expect(dropped).toEqual(ids.slice(0, 100));
    expect(e.stats().w).toMatchObject({ dropped: 100, queueDepth: 300 });
    // An id that waits deep in the backlog is not queued twice.
    expect(e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('again'), contentType: 'text/plain', id: ids[350] }).id).toBe(ids[350]);
    expect(e.stats().w!.queueDepth).toBe(300);
    r.open();
    await waitFor(() => e.stats().w!.delivered === 300, 20_000, '300 deliveries');
    expect(r.requests.map((q) => q.headers['x-servo-delivery'])).toEqual(ids.slice(100));
    expect(r.requests.map((q) => q.body.toString())).toEqual(Array.from({ length: 300 }, (_, i) => `${i + 100}`));
  });

  it('holds a delivery whose id is too long to pack in the queue instead of failing the enqueue', async () => {
    const r = await server(() => {
      /* never answers */
    });
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 30_000 })], concurrency: 1 });
    for (let i = 0; i < 300; i++) e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' });
    const long = 'x'.repeat(70_000);
    expect(e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('long'), contentType: 'text/plain', id: long }).id).toBe(long);
    expect(e.stats().w!.queueDepth).toBe(301);
    expect(e.enqueue({ webhook: 'w', event: 'after:x', body: bytes('again'), contentType: 'text/plain', id: long }).id).toBe(long);
    expect(e.stats().w!.queueDepth).toBe(301);
  });

  it('drain() counts a long backlog as pending and names the oldest lost deliveries', async () => {
    const r = await server(() => {
      /* never answers */
    });
    const e = engine({ endpoints: [endpoint('w', r.url, { timeoutMs: 30_000 })], concurrency: 1 });
    const ids = Array.from({ length: 600 }, (_, i) => e.enqueue({ webhook: 'w', event: 'after:x', body: bytes(`${i}`), contentType: 'text/plain' }).id);
    await waitFor(() => r.started === 1);
    const summary = await e.drain(200);
    expect(summary.pending).toBe(600);
    expect(summary.lost.map((l) => l.id)).toEqual(ids.slice(0, 20));
  });

  it('rejects unknown endpoints', async () => {
    const e = engine({ endpoints: [] });
    expect(() => e.enqueue({ webhook: 'nope', event: 'x', body: bytes(''), contentType: 'text/plain' })).toThrow(/unknown webhook "nope"/);
    await tick();
  });
});
