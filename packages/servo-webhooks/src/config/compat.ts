/**
 * Fields of a webhook entry whose accepted forms include what servo-webhooks
 * 0.3 (Python) accepted, so its servo.yaml loads unchanged: names with spaces
 * (its `generate` wrote `My Webhook`), `channels: []`, `response_channel: null`,
 * and the `wire` choice that keeps its byte layout.
 * @module
 */
import { z } from 'servo-core';
import type { Wire } from '../payload/content-type.js';

/** 1-128 letters, digits, `-`, `_`, `/`, `.` and inner spaces. */
const NAME = /^(?! )[A-Za-z0-9_\-./ ]{1,128}(?<! )$/;

/** A webhook's `name`. */
export const webhookName = () => z.string().regex(NAME, 'names are 1-128 letters, digits, spaces (not at either end), "-", "_", "/", "."').optional();

/** `wire`: how bodies are written; `standard` by default. */
export const wireField = () =>
  z
    .enum(['standard', 'legacy'], { error: 'expected "standard" or "legacy" (the byte layout and content type of servo-webhooks 0.3)' })
    .optional()
    .describe('standard (default), or legacy: the content type and Python json.dumps layout of servo-webhooks 0.3');

/** The wire of a validated entry. */
export function wireOf(w: { wire?: Wire | undefined }): Wire {
  return w.wire ?? 'standard';
}

/** `channels` and `events` as lists; an empty list is the same as leaving the field out. */
export function listOf<T>(value: T | readonly T[] | undefined): readonly T[] {
  return value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
