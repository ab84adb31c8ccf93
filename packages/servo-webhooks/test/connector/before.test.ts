/**
 * Before-webhooks as gates: the event waits for the answer; a cancel content
 * type cancels it with the receiver's reason; failure_policy decides what an
 * unreachable webhook means. In-process servo, real receivers on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Servo } from 'servo-core';
import { deadUrl, recordingLogger, sleep, startReceiver, type Answer, type Receiver } from '../../../../test-support/index.js';
import { webhooksServo } from '../helpers/servo.js';

const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';
const CANCELLED = 'application/vnd.opsani.servo.errors.EventCancelledError+json';
const ADJUST = { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1 }] };
const REASON = 'Unable to authorize adjustment: Adjustments are only permitted between midnight and 3am.';

const receivers: Receiver[] = [];
let servo: Servo | undefined;

async function receiverAnswering(answer: Answer | (() => Answer | Promise<Answer>)): Promise<Receiver> {
  const r = await startReceiver(typeof answer === 'function' ? answer : () => answer);
  receivers.push(r);
  return r;
}

function gate(url: string, extra: Record<string, unknown> = {}) {
  return { name: 'adjustment_window', events: 'before:adjust', url, secret: 'gate-secret', ...extra };
}

afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('cancelling from the response', () => {
  it('a 200 with the CancelEventError content type cancels the event with the reason, verbatim', async () => {
    const gateRx = await receiverAnswering({ status: 200, headers: { 'content-type': CANCEL }, body: JSON.stringify({ reason: REASON }) });
    const afterRx = await receiverAnswering({ status: 204 });
    const created = await webhooksServo([gate(gateRx.url()), { name: 'audit', events: 'after:adjust', url: afterRx.url(), secret: 'a' }]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result).toMatchObject({ status: 'cancelled', cancelledBy: 'webhooks', reason: REASON });
    expect(result.status === 'cancelled' && result.source).toContain('adjustment_window');
    expect(created.log.adjusted).toEqual([]);
    expect(gateRx.requests).toHaveLength(1);
    expect(gateRx.requests[0]!.json().params.adjustments).toEqual(ADJUST.adjustments);
    await servo.close();
    servo = undefined;
    expect(afterRx.requests).toHaveLength(0); // no after-webhook for a cancelled event
  });

  it('the EventCancelledError content type (with parameters, any case) cancels too', async () => {
    const rx = await receiverAnswering({
      status: 200,
      headers: { 'content-type': `${CANCELLED.toUpperCase()}; charset=utf-8` },
      body: JSON.stringify({ reason: 'change freeze until Monday' }),
    });
    const created = await webhooksServo([gate(rx.url())]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result).toMatchObject({ status: 'cancelled', reason: 'change freeze until Monday' });
    expect(created.log.adjusted).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', '{"reason": "unterminated', /not valid JSON/],
    ['an empty body', '', /not valid JSON.*empty body/],
    ['JSON without a reason', '{"why":"no"}', /no "reason"/],
  ])('a cancel with %s still cancels, with a reason that says so', async (_what, body, reason) => {
    const rx = await receiverAnswering({ status: 200, headers: { 'content-type': CANCEL }, body });
    const created = await webhooksServo([gate(rx.url())]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('cancelled');
    expect(result.status === 'cancelled' && result.reason).toMatch(reason);
    expect(created.log.adjusted).toEqual([]);
  });

  it('any other 2xx lets the event proceed (a reason in plain JSON is not a cancel)', async () => {
    const rx = await receiverAnswering({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'nope' }) });
    const created = await webhooksServo([gate(rx.url())]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('completed');
    expect(created.log.adjusted).toHaveLength(1);
  });

  it('the event waits for the gate: the adjust handler runs only after the receiver answered', async () => {
    let adjustedWhenAnswering: number | undefined;
    const created: { log?: { adjusted: unknown[] } } = {};
    const rx = await receiverAnswering(async () => {
      await sleep(400);
      adjustedWhenAnswering = created.log!.adjusted.length;
      return { status: 204 };
    });
    const made = await webhooksServo([gate(rx.url())]);
    servo = made.servo;
    created.log = made.log;
    const started = performance.now();
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('completed');
    expect(adjustedWhenAnswering).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(made.log.adjusted).toHaveLength(1);
  });

  it('with two gates, one cancelling is enough', async () => {
    const allow = await receiverAnswering({ status: 204 });
    const deny = await receiverAnswering({ status: 200, headers: { 'content-type': CANCEL }, body: '{"reason":"denied by policy"}' });
    const created = await webhooksServo([gate(allow.url(), { name: 'allow' }), gate(deny.url(), { name: 'deny' })]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result).toMatchObject({ status: 'cancelled', reason: 'denied by policy' });
    expect(result.status === 'cancelled' && result.source).toContain('deny');
    expect(allow.requests).toHaveLength(1);
    expect(created.log.adjusted).toEqual([]);
  });
});

describe('failure_policy', () => {
  it('ignore: an unreachable gate lets the event proceed, and the failure is logged', async () => {
    const logger = recordingLogger();
    const created = await webhooksServo([gate(await deadUrl(), { backoff: false, failure_policy: 'ignore' })], { logger });
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('completed');
    expect(created.log.adjusted).toHaveLength(1);
    const warning = logger.lines.find((l) => l.level === 'warn' && l.obj.webhook === 'adjustment_window' && /failure_policy: ignore/.test(l.msg ?? ''));
    expect(warning, logger.text()).toBeDefined();
    expect(logger.text()).not.toContain('gate-secret');
  });

  it('fail: an unreachable gate cancels the event, and the reason names the webhook', async () => {
    const created = await webhooksServo([gate(await deadUrl(), { backoff: false, failure_policy: 'fail' })]);
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('cancelled');
    const reason = result.status === 'cancelled' ? result.reason : '';
    expect(reason).toContain('webhook "adjustment_window"');
    expect(reason).toMatch(/failure_policy: fail/);
    expect(reason).not.toContain('gate-secret');
    expect(created.log.adjusted).toEqual([]);
  });

  it('fail: a 500 answer (after its retries) cancels, naming the status', async () => {
    const rx = await receiverAnswering({ status: 500, body: 'boom' });
    const created = await webhooksServo({
      retry_floor: '10ms',
      webhooks: [gate(rx.url(), { backoff: { max_tries: 2, max_time: '5s' }, failure_policy: 'fail' })],
    });
    servo = created.servo;
    const result = await servo.dispatch('adjust', ADJUST);
    expect(result.status).toBe('cancelled');
    expect(result.status === 'cancelled' && result.reason).toMatch(/webhook "adjustment_window" answered 500: boom \(after 2 attempts\)/);
    expect(rx.requests).toHaveLength(2);
    // The retry is the same message: same id, same body.
    expect(rx.requests[1]!.header('webhook-id')).toBe(rx.requests[0]!.header('webhook-id'));
    expect(rx.requests[1]!.body.equals(rx.requests[0]!.body)).toBe(true);
  });

  it('the deadline bounds the wait on a gate that never answers', async () => {
    const rx = await receiverAnswering('hang');
    const created = await webhooksServo([gate(rx.url(), { timeout: '10s', deadline: '300ms', failure_policy: 'fail' })]);
    servo = created.servo;
    const started = performance.now();
    const result = await servo.dispatch('adjust', ADJUST);
    const took = performance.now() - started;
    expect(result.status).toBe('cancelled');
    expect(took).toBeLessThan(5_000);
    expect(created.log.adjusted).toEqual([]);
  });
});
