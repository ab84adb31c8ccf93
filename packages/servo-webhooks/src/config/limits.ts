/**
 * Upper bounds of the connector's durations, checked by `servo validate`
 * (a located error naming the bound) and documented in the README. Past
 * them a setting is a mistake, not a choice: an attempt that may take days,
 * an event held for hours by a gate.
 * @module
 */
import { model } from 'servo-core';

/** Each bounded duration setting and its bound, in servo.yaml form. */
export const DURATION_LIMITS = Object.freeze({
  /** One attempt: connect, headers and body. */
  timeout: '1h',
  /** A before-webhook holds its event at most this long, retries included. */
  deadline: '1h',
  /** Retries of one delivery stop after this long. */
  max_time: '30d',
  /** A stopping process keeps delivering at most this long. */
  drain_timeout: '1d',
  /** An open circuit waits at most this long before its probe. */
  cooldown: '1d',
  /** The shortest wait after a 429 or a timeout. */
  retry_floor: '1h',
});

/** A duration field (ms) with its default (servo.yaml form) and upper bound. */
export function boundedDuration(defaultText: string, limit: keyof typeof DURATION_LIMITS) {
  const text = DURATION_LIMITS[limit];
  const maxMs = model.parseDuration(text);
  return model.DurationMs.prefault(defaultText).refine((ms) => ms <= maxMs, `expected at most ${text} (the documented upper bound)`);
}
