import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/delivery/breaker.js';
import { newMessageId } from '../../src/delivery/id.js';
import { EndpointQueue } from '../../src/delivery/backlog/queue.js';
import { backoffDelay, classifyStatus, nextRetryDelay, parseRetryAfter, DEFAULT_BACKOFF, type RetryInput } from '../../src/delivery/retry.js';
import type { Delivery } from '../../src/delivery/types.js';
import { CircuitOpenError, WebhookTimeoutError, isCircuitOpenError, isWebhookError, isWebhookTimeoutError } from '../../src/errors.js';

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'redirect'],
    [302, 'redirect'],
    [307, 'redirect'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [408, 'retry'],
    [410, 'gone'],
    [422, 'failed'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [599, 'retry'],
  ])('%i -> %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('is full jitter under a doubling, capped ceiling', () => {
    const opts = { initialMs: 1000, maxMs: 10_000 };
    expect(backoffDelay(1, opts, () => 0)).toBe(0);
    expect(backoffDelay(1, opts, () => 0.999)).toBe(999);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(2000);
    expect(backoffDelay(30, opts, () => 0.5)).toBe(5000);
  });

  const base: RetryInput = {
    policy: { maxTries: 3, maxTimeMs: 60_000 },
    attempts: 1,
    remainingMs: 60_000,
    failure: { slowDown: false },
    backoff: DEFAULT_BACKOFF,
    floorMs: 5_000,
    random: () => 0.5,
  };

  it('gives up when retries are off, tries are used up or time is up', () => {
    expect(nextRetryDelay({ ...base, policy: false })).toBeUndefined();
    expect(nextRetryDelay({ ...base, attempts: 3 })).toBeUndefined();
    expect(nextRetryDelay({ ...base, remainingMs: 0 })).toBeUndefined();
    expect(nextRetryDelay(base)).toBe(500);
    expect(nextRetryDelay({ ...base, attempts: 2 })).toBe(1000);
  });

  it('honours Retry-After within the time left, else gives up', () => {
    expect(nextRetryDelay({ ...base, failure: { slowDown: false, retryAfterMs: 7000 } })).toBe(7000);
    expect(nextRetryDelay({ ...base, remainingMs: 6000, failure: { slowDown: false, retryAfterMs: 7000 } })).toBeUndefined();
  });

  it('waits at least the floor after a 429 or timeout, clamped to the time left', () => {
    expect(nextRetryDelay({ ...base, failure: { slowDown: true } })).toBe(5000);
    expect(nextRetryDelay({ ...base, remainingMs: 2000, failure: { slowDown: true } })).toBe(2000);
    expect(nextRetryDelay({ ...base, remainingMs: 200 })).toBe(200);
  });
});

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, lets one probe through after the cooldown', () => {
    const b = new CircuitBreaker({ failures: 3, cooldownMs: 1000 });
    expect(b.failure(0)).toBe(false);
    expect(b.failure(0)).toBe(false);
    b.success(); // resets the count
    expect(b.failure(0)).toBe(false);
    expect(b.failure(0)).toBe(false);
    expect(b.failure(10)).toBe(true);
    expect(b.state(10)).toBe('open');
    expect(b.tryAcquire(500)).toBe(false);
    expect(b.reopensAt(500)).toBe(1010);
    expect(b.state(1010)).toBe('half-open');
    expect(b.tryAcquire(1010)).toBe(true);
    expect(b.tryAcquire(1010)).toBe(false); // one probe only
    b.failure(1020); // probe failed: open again, new cooldown
    expect(b.state(1500)).toBe('open');
    expect(b.tryAcquire(2020)).toBe(true);
    b.success();
    expect(b.state(2020)).toBe('closed');
    expect(b.tryAcquire(2020)).toBe(true);
  });
});

describe('EndpointQueue', () => {
  const d = (id: string, at = 0): Delivery => ({
    id,
    webhook: 'w',
    event: 'e',
    body: new Uint8Array(),
    contentType: 'x',
    createdAt: 0,
    attempts: 0,
    nextAttemptAt: at,
  });

  it('serves due deliveries in order and waiting ones when due', () => {
    const q = new EndpointQueue();
    q.add(d('a'), 0);
    q.add(d('late', 100), 0);
    q.add(d('b'), 0);
    expect(q.take(0)?.id).toBe('a');
    expect(q.take(0)?.id).toBe('b');
    expect(q.take(50)).toBeUndefined();
    expect(q.nextDueAt()).toBe(100);
    expect(q.take(100)?.id).toBe('late');
    expect(q.inFlight).toBe(3);
  });

  it('drops the oldest delivery that is not in flight', () => {
    const q = new EndpointQueue();
    for (const id of ['a', 'b', 'c']) q.add(d(id), 0);
    q.take(0); // a in flight
    expect(q.dropOldest()?.id).toBe('b');
    expect(q.size).toBe(2);
    expect(q.take(0)?.id).toBe('c'); // b skipped (dropped)
    expect(q.dropOldest()).toBeUndefined();
  });

  it('requeues a failed delivery for its retry time', () => {
    const q = new EndpointQueue();
    const x = d('x');
    q.add(x, 0);
    q.take(0);
    x.nextAttemptAt = 500;
    q.requeue(x, 10);
    expect(q.hasReady(10)).toBe(false);
    expect(q.take(500)).toBe(x);
    q.remove(x);
    expect(q.size).toBe(0);
  });
});

describe('ids and errors', () => {
  it('makes msg_ + 26 Crockford base32 characters, sortable by time', () => {
    const a = newMessageId(1_700_000_000_000);
    const b = newMessageId(1_700_000_000_001);
    expect(a).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 2000 }, () => newMessageId(0))).size).toBe(2000);
  });

  it('guards by code, across copies', () => {
    const e = new WebhookTimeoutError('w', 100, 'body');
    expect(isWebhookTimeoutError(e)).toBe(true);
    expect(isWebhookError(e)).toBe(true);
    expect(isWebhookError(e, 'WEBHOOK_NETWORK')).toBe(false);
    expect(isCircuitOpenError({ code: 'WEBHOOK_CIRCUIT_OPEN' })).toBe(true);
    expect(isCircuitOpenError(new CircuitOpenError('w', 0))).toBe(true);
    expect(isWebhookError(new Error('x'))).toBe(false);
    expect(e.message).toContain('body');
  });
});
