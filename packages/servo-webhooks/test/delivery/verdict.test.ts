/** The one retry decision, for queued deliveries and gates alike. */
import { describe, expect, it } from 'vitest';
import type { AttemptResult } from '../../src/delivery/attempt.js';
import type { Delivery, RetryPolicy } from '../../src/delivery/types.js';
import { verdict, type RetrySettings } from '../../src/delivery/verdict.js';

const settings: RetrySettings = { backoff: { initialMs: 1000, maxMs: 60_000 }, floorMs: 5000, random: () => 0.5 };
const policy: RetryPolicy = { maxTries: 3, maxTimeMs: 60_000 };

function delivery(attempts: number, createdAt = 0): Delivery {
  return { id: 'msg_1', webhook: 'w', event: 'after:measure', body: new Uint8Array(), contentType: 'application/json', createdAt, attempts, nextAttemptAt: 0 };
}

function result(kind: AttemptResult['kind'], hint: AttemptResult['hint'] = { slowDown: false }): AttemptResult {
  return { startedAt: 0, durationMs: 1, response: undefined, error: new Error(kind), kind, hint, requestHeaders: {} };
}

describe('verdict', () => {
  it('passes through the answers that are not retried', () => {
    for (const kind of ['delivered', 'gone', 'failed', 'redirect', 'aborted'] as const) {
      expect(verdict(result(kind), delivery(1), policy, 0, settings)).toEqual({ outcome: kind, delayMs: 0 });
    }
  });

  it('retries a retryable failure with full-jitter backoff while tries and time are left', () => {
    expect(verdict(result('retry'), delivery(1), policy, 0, settings)).toEqual({ outcome: 'retry', delayMs: 500 });
    expect(verdict(result('retry'), delivery(2), policy, 0, settings)).toEqual({ outcome: 'retry', delayMs: 1000 });
  });

  it('gives up when tries are used up, retries are off, or max_time has passed', () => {
    expect(verdict(result('retry'), delivery(3), policy, 0, settings).outcome).toBe('failed');
    expect(verdict(result('retry'), delivery(1), false, 0, settings).outcome).toBe('failed');
    expect(verdict(result('retry'), delivery(1, 0), policy, 60_000, settings).outcome).toBe('failed');
  });

  it('waits at least the floor after a 429 or a timeout, and at least Retry-After', () => {
    expect(verdict(result('retry', { slowDown: true }), delivery(1), policy, 0, settings).delayMs).toBe(5000);
    expect(verdict(result('retry', { slowDown: false, retryAfterMs: 7000 }), delivery(1), policy, 0, settings).delayMs).toBe(7000);
  });

  it('gives up when Retry-After points past the time left', () => {
    expect(verdict(result('retry', { slowDown: false, retryAfterMs: 61_000 }), delivery(1), policy, 0, settings).outcome).toBe('failed');
  });

  it('never plans a retry that cannot start before a gate deadline', () => {
    // 500 ms of backoff fits in 2 s; a 5 s floor does not.
    expect(verdict(result('retry'), delivery(1), policy, 0, settings, 2000)).toEqual({ outcome: 'retry', delayMs: 500 });
    expect(verdict(result('retry', { slowDown: true }), delivery(1), policy, 0, settings, 2000).outcome).toBe('failed');
  });
});
