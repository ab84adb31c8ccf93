/**
 * The connector-level delivery settings of the `webhooks` section (beside
 * the list of webhooks in its mapping form), with their defaults in
 * servo.yaml form, and the byte sizes some of them take (`50MB`, `512KiB`).
 * @module
 */
import { model, z } from 'servo-core';
import { DELIVERY_DEFAULTS as D } from '../defaults.js';
import { boundedDuration } from './limits.js';

/** Multipliers of the byte-size units, lower-case (SI and IEC; `k` alone is SI). */
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  k: 1e3,
  mb: 1e6,
  m: 1e6,
  gb: 1e9,
  g: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `50MB` -> 50,000,000; `512KiB` -> 524,288; `1.5GB`; an integer is bytes. Undefined when it is none of these. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase() || 'b';
  const k = UNITS[unit];
  if (k === undefined) return undefined;
  const n = Math.round(Number(m[1]) * k);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bytes as servo.yaml writes them: the largest SI or IEC unit that divides them exactly (`50MB`, `512KiB`), else a number. */
export function formatByteSize(bytes: number): string | number {
  for (const [unit, k] of [
    ['GB', 1e9],
    ['GiB', 1024 ** 3],
    ['MB', 1e6],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
    ['KB', 1e3],
  ] as const) {
    if (bytes >= k && bytes % k === 0) return `${bytes / k}${unit}`;
  }
  return bytes;
}

/** Bytes of a size as written: an integer, or text {@link parseByteSize} reads. */
function bytesOf(v: number | string): number | undefined {
  return typeof v === 'number' ? v : parseByteSize(v);
}

/**
 * A byte size (`50MB`, `512KiB`, or an integer of bytes) of at least `min`
 * bytes, with its default; checked here, read by {@link historyOf} (a
 * transform inside a union would lose its located message).
 */
function byteSize(defaultText: string, min: number) {
  const problem = `expected a size such as 50MB, 512KiB or a number of bytes, of at least ${formatByteSize(min)}`;
  return z
    .union([z.int(), z.string()], { error: problem })
    .default(defaultText)
    .refine((v) => (bytesOf(v) ?? -1) >= min, problem);
}

/** Defaults in their servo.yaml form, documented in the README and written by `servo generate --defaults webhooks`. */
export const DEFAULTS = {
  backoff: { max_tries: D.maxTries, max_time: model.formatDuration(D.maxTimeMs) },
  timeout: model.formatDuration(D.timeoutMs),
  failure_policy: D.failurePolicy,
  deadline: model.formatDuration(D.deadlineMs),
  store: D.store,
  max_queue: D.maxQueue,
  drain_timeout: model.formatDuration(D.drainTimeoutMs),
  lease: model.formatDuration(D.leaseMs),
  concurrency: D.concurrency,
  breaker: { failures: D.breakerFailures, cooldown: model.formatDuration(D.breakerCooldownMs) },
  retry_floor: model.formatDuration(D.retryFloorMs),
  http2: D.http2,
  body_cap: D.bodyCap,
  history: { max_attempts: D.historyMaxAttempts, max_bytes: formatByteSize(D.historyMaxBytes) as string },
} as const;

/** The fields of the section's mapping form besides `webhooks`. */
export function settingsShape() {
  return {
    store: z
      .string()
      .regex(/^(memory|sqlite:.+)$/, 'expected "memory" or "sqlite:PATH" (e.g. sqlite:./webhooks.db)')
      .default(DEFAULTS.store),
    max_queue: z.int().min(1).default(DEFAULTS.max_queue),
    drain_timeout: boundedDuration(DEFAULTS.drain_timeout, 'drain_timeout'),
    lease: model.DurationMs.prefault(DEFAULTS.lease).refine((ms) => ms >= 1_000 && ms <= 3_600_000, 'expected a lease between 1s and 1h'),
    concurrency: z.int().min(1).max(1024).default(DEFAULTS.concurrency),
    breaker: z
      .strictObject({
        failures: z.int().min(1).default(DEFAULTS.breaker.failures),
        cooldown: boundedDuration(DEFAULTS.breaker.cooldown, 'cooldown'),
      })
      .prefault({}),
    retry_floor: boundedDuration(DEFAULTS.retry_floor, 'retry_floor'),
    http2: z.boolean().default(DEFAULTS.http2),
    ca_file: z.string().min(1).optional(),
    body_cap: z.int().min(1024).default(DEFAULTS.body_cap),
    // The deliveries page's history (servo run --http): `false` keeps none.
    history: z
      .union([
        z.strictObject({
          max_attempts: z.int().min(1, 'expected at least 1').max(1_000_000, 'expected at most 1000000').default(DEFAULTS.history.max_attempts),
          max_bytes: byteSize(DEFAULTS.history.max_bytes, 1024),
        }),
        z.literal(false),
      ])
      .prefault({}),
  };
}

/** The `history` setting, normalised: its bounds, or `false` (none kept). */
export type HistorySetting = { readonly maxAttempts: number; readonly maxBytes: number } | false;

/** `history:` as parsed to its normalised form. */
export function historyOf(raw: false | { max_attempts: number; max_bytes: number | string }): HistorySetting {
  return raw === false ? false : { maxAttempts: raw.max_attempts, maxBytes: bytesOf(raw.max_bytes)! };
}

/** `history:` in servo.yaml form, for `servo config`. */
export function encodeHistory(h: HistorySetting): unknown {
  return h === false ? false : { max_attempts: h.maxAttempts, max_bytes: formatByteSize(h.maxBytes) };
}
