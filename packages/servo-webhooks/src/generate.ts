import { randomBytes } from 'node:crypto';
import type { GeneratedConfig } from 'servo-core';
import { DEFAULTS } from './config/index.js';

/**
 * The starting configuration written by `servo generate webhooks`: an
 * after:measure webhook and a before:adjust gate, with comments. With
 * `defaults`, every field that has a default is written out, and the
 * connector-level delivery settings appear (mapping form).
 */
export function generateConfig(options: { defaults: boolean }): GeneratedConfig {
  // A fresh Standard Webhooks secret, so the file validates as written; receivers can use it as is.
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const measure: Record<string, unknown> = {
    name: 'store_measurements',
    description: 'Store each measurement',
    events: ['after:measure'],
    url: 'http://127.0.0.1:8080/webhooks',
    secret,
    headers: [{ name: 'x-environment', value: 'staging' }],
    backoff: { max_tries: DEFAULTS.backoff.max_tries, max_time: DEFAULTS.backoff.max_time },
  };
  const gate: Record<string, unknown> = {
    name: 'adjustment_window',
    description: 'Ask before every adjustment; the receiver may cancel it',
    events: ['before:adjust'],
    url: 'http://127.0.0.1:8080/gate',
    secret,
    failure_policy: 'fail',
  };
  if (options.defaults) {
    for (const w of [measure, gate]) {
      w.backoff ??= { max_tries: DEFAULTS.backoff.max_tries, max_time: DEFAULTS.backoff.max_time };
      w.timeout ??= DEFAULTS.timeout;
    }
    // Gate-only fields go on the before-webhook only: an after-webhook has no deadline or failure policy.
    gate.deadline ??= DEFAULTS.deadline;
    const value = {
      store: DEFAULTS.store,
      max_queue: DEFAULTS.max_queue,
      drain_timeout: DEFAULTS.drain_timeout,
      concurrency: DEFAULTS.concurrency,
      breaker: { ...DEFAULTS.breaker },
      retry_floor: DEFAULTS.retry_floor,
      http2: DEFAULTS.http2,
      body_cap: DEFAULTS.body_cap,
      history: { ...DEFAULTS.history },
      webhooks: [measure, gate],
    };
    return {
      value,
      comments: {
        '': 'Webhooks: signed HTTP POSTs before/after servo events. The secrets were generated for you: share them with the receivers, or move them to the environment (secret: ${WEBHOOK_SECRET}).',
        store: 'memory, or sqlite:PATH to keep undelivered webhooks across restarts',
        max_queue: 'pending deliveries kept in memory; past it the oldest are dropped (none with sqlite)',
        drain_timeout: 'how long a stopping servo keeps delivering',
        concurrency: 'requests in flight per webhook',
        breaker: 'stop sending to a failing webhook after `failures` in a row; probe again after `cooldown`',
        retry_floor: 'the shortest wait after a 429 or a timeout',
        body_cap: 'response bytes read at most',
        history: 'recent attempts the deliveries page of `servo run --http` keeps (sqlite: in the store file); false keeps none',
        'webhooks.0.events': 'before:EVENT or after:EVENT (see `servo show events`)',
        'webhooks.0.secret': 'signs X-Servo-Signature (HMAC-SHA1) and webhook-signature (Standard Webhooks)',
        'webhooks.0.backoff': 'retries; `false` sends once',
        'webhooks.1.failure_policy':
          'before-webhooks only: `fail` (the default) cancels the event when the webhook cannot answer or refuses without the cancel protocol; `ignore` lets it proceed',
        'webhooks.1.deadline': 'before-webhooks: the longest the event waits, retries included',
      },
    };
  }
  return {
    value: [measure, gate],
    comments: {
      '': 'Webhooks: signed HTTP POSTs before/after servo events. The secrets were generated for you: share them with the receivers, or move them to the environment (secret: ${WEBHOOK_SECRET}).',
      '0.events': 'before:EVENT or after:EVENT (see `servo show events`)',
      '0.secret': 'signs X-Servo-Signature (HMAC-SHA1) and webhook-signature (Standard Webhooks)',
      '0.backoff': 'retries; `false` sends once',
      '1.failure_policy':
        'before-webhooks only: `fail` (the default) cancels the event when the webhook cannot answer or refuses without the cancel protocol; `ignore` lets it proceed',
    },
  };
}
