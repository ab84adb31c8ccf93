/**
 * After-webhooks: queued, so the event does not wait for the receiver;
 * delivered (with retries) in the background; drained by `servo.close()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Servo } from 'servo-core';
import { recordingLogger, sleep, startReceiver, type Receiver, type Responder } from '../../../../test-support/index.js';
import { webhooksServo } from '../helpers/servo.js';
import { hmacSha1Hex, verifyStandard } from '../helpers/verify.js';

const SECRET = 'after-hook-secret';
let receiver: Receiver | undefined;
let servo: Servo | undefined;

async function rx(respond: Responder): Promise<Receiver> {
  receiver = await startReceiver(respond);
  return receiver;
}

function hook(url: string, extra: Record<string, unknown> = {}) {
  return { name: 'store_measurements', events: 'after:measure', url, secret: SECRET, ...extra };
}

afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await receiver?.close();
  receiver = undefined;
});

describe('after-webhooks', () => {
  it('dispatch returns before the receiver answers; close() waits for the delivery', async () => {
    let answeredAt: number | undefined;
    const r = await rx(async () => {
      await sleep(2_000);
      answeredAt = performance.now();
      return { status: 200 };
    });
    ({ servo } = await webhooksServo([hook(r.url())]));
    await servo.start(); // the engine starts with the servo, so the timing below is the dispatch alone
    const started = performance.now();
    const result = await servo.dispatch('measure', {});
    const resolvedAt = performance.now();
    expect(result.status).toBe('completed');
    expect(resolvedAt - started).toBeLessThan(1_000);
    expect(answeredAt).toBeUndefined();

    await r.waitFor(1);
    await servo.close();
    servo = undefined;
    expect(answeredAt).toBeDefined(); // close() drained: the answer came back before it resolved
    expect(answeredAt!).toBeGreaterThan(resolvedAt);
    expect(r.requests[0]!.abortedAt).toBeUndefined();
  });

  it('retries 503, 503, 200: one delivery id, three signed attempts of the same bytes', async () => {
    const r = await rx((req) => (req.n <= 2 ? { status: 503, body: 'busy' } : { status: 200 }));
    const logger = recordingLogger();
    ({ servo } = await webhooksServo({ retry_floor: '10ms', webhooks: [hook(r.url(), { backoff: { max_tries: 3, max_time: '30s' } })] }, { logger }));
    await servo.dispatch('measure', {});
    const reqs = await r.waitFor(3, { timeoutMs: 20_000 });
    await servo.close();
    servo = undefined;
    expect(r.requests).toHaveLength(3);
    const ids = new Set(reqs.map((q) => q.header('webhook-id')));
    expect(ids.size).toBe(1);
    expect(new Set(reqs.map((q) => q.header('x-servo-delivery')))).toEqual(ids);
    expect(reqs[0]!.json().id).toBe([...ids][0]);
    for (const q of reqs) {
      expect(q.body.equals(reqs[0]!.body)).toBe(true);
      expect(q.header('x-servo-signature')).toBe(hmacSha1Hex(SECRET, q.body));
      expect(() => verifyStandard(SECRET, q)).not.toThrow();
    }
    const attempts = logger.lines.filter((l) => l.msg === 'webhook attempt').map((l) => [l.obj.attempt, l.obj.status, l.obj.outcome]);
    expect(attempts).toEqual([
      [1, 503, 'retry'],
      [2, 503, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(logger.text()).not.toContain(SECRET);
  });

  it('stops after max_tries', async () => {
    const r = await rx(() => ({ status: 503 }));
    ({ servo } = await webhooksServo({ retry_floor: '10ms', webhooks: [hook(r.url(), { backoff: { max_tries: 2, max_time: '30s' } })] }));
    await servo.dispatch('measure', {});
    await r.waitFor(2, { timeoutMs: 20_000 });
    await servo.close();
    servo = undefined;
    expect(r.requests).toHaveLength(2);
  });

  it('`backoff: false` makes exactly one attempt', async () => {
    const r = await rx(() => ({ status: 503 }));
    const logger = recordingLogger();
    ({ servo } = await webhooksServo([hook(r.url(), { backoff: false })], { logger }));
    await servo.dispatch('measure', {});
    await r.waitFor(1);
    await servo.close();
    servo = undefined;
    expect(r.requests).toHaveLength(1);
    expect(logger.lines.filter((l) => l.msg === 'webhook attempt').map((l) => l.obj.outcome)).toEqual(['failed']);
  });

  it('does not retry a 4xx answer', async () => {
    const r = await rx(() => ({ status: 400 }));
    ({ servo } = await webhooksServo({ retry_floor: '10ms', webhooks: [hook(r.url(), { backoff: { max_tries: 5, max_time: '30s' } })] }));
    await servo.dispatch('measure', {});
    await r.waitFor(1);
    await servo.close();
    servo = undefined;
    expect(r.requests).toHaveLength(1);
  });

  it('aborts an attempt that outlives `timeout: 200ms`', async () => {
    const r = await rx(async () => {
      await sleep(6_000);
      return { status: 200 };
    });
    const logger = recordingLogger();
    ({ servo } = await webhooksServo([hook(r.url(), { timeout: '200ms', backoff: false })], { logger }));
    await servo.dispatch('measure', {});
    const [req] = await r.waitFor(1);
    const abortedAt = await r.waitForAbort(req!, 10_000);
    // The client gave up long before the receiver's 6 s answer.
    expect(abortedAt - req!.at).toBeLessThan(4_000);
    await servo.close();
    servo = undefined;
    const attempt = logger.lines.find((l) => l.msg === 'webhook attempt');
    expect(attempt?.obj).toMatchObject({ webhook: 'store_measurements', outcome: 'failed' });
    expect(String(attempt?.obj.error)).toMatch(/WEBHOOK_TIMEOUT/);
  });

  it('sends nothing when the event is cancelled by another connector', async () => {
    const r = await rx(() => ({ status: 204 }));
    const gate = await startReceiver(() => ({
      status: 200,
      headers: { 'content-type': 'application/vnd.opsani.servo.errors.CancelEventError+json' },
      body: '{"reason":"no"}',
    }));
    try {
      ({ servo } = await webhooksServo([hook(r.url()), { name: 'gate', events: 'before:measure', url: gate.url(), secret: 'g' }]));
      expect((await servo.dispatch('measure', {})).status).toBe('cancelled');
      await servo.close();
      servo = undefined;
      expect(gate.requests).toHaveLength(1);
      expect(r.requests).toHaveLength(0);
    } finally {
      await gate.close();
    }
  });
});
