/**
 * An attempt turned into what the history keeps: the request headers with
 * the webhook's own header values masked, the start of the answer, the
 * outcome of the delivery after it. Built only when a history is set.
 * @module
 */
import { REDACTED } from 'servo-core';
import { errorText, type AttemptResult } from '../delivery/attempt.js';
import type { AttemptOutcome } from '../delivery/types.js';
import type { Delivery } from '../delivery/types.js';
import { isCancelContentType } from '../payload/content-type.js';
import { HISTORY_EXCERPT_BYTES, type AttemptEntry, type AttemptRecord, type HistoryOutcome } from './types.js';

const utf8 = new TextDecoder('utf-8');

/**
 * Where a delivery is after an attempt: a gate's that did not end in a 2xx
 * is `failed`, a queued one's `dead`; a gate's 2xx answer with the cancel
 * content type (`cancelContentType`) is `cancelled`.
 */
export function historyOutcome(outcome: AttemptOutcome, gate: boolean, cancelContentType = false): HistoryOutcome {
  switch (outcome) {
    case 'delivered':
      return gate && cancelContentType ? 'cancelled' : 'delivered';
    case 'retry':
      return 'retrying';
    case 'gone':
      return gate ? 'failed' : 'gone';
    default:
      return gate ? 'failed' : 'dead';
  }
}

/**
 * `headers` with the values of `masked` (the endpoint's own headers, which
 * often carry credentials) replaced by `********`; the signature headers
 * stay as sent (they are worthless without the secret).
 */
export function maskHeaders(headers: Readonly<Record<string, string>>, masked: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  // Nothing to mask: the headers as sent (never mutated after the attempt).
  if (masked === undefined) return headers;
  const out: Record<string, string> = {};
  for (const k in headers) out[k] = k in masked ? REDACTED : headers[k]!;
  return out;
}

/** The record of one attempt. `number`: the delivery's attempt count after it; `reason`: why it was not retried. */
export function attemptRecord(
  r: AttemptResult,
  outcome: AttemptOutcome,
  number: number,
  extraHeaders: Readonly<Record<string, string>> | undefined,
  reason: string | undefined,
): AttemptRecord {
  const response = r.response;
  const rec: {
    -readonly [K in keyof AttemptRecord]: AttemptRecord[K];
  } = {
    number,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    outcome,
    requestHeaders: maskHeaders(r.requestHeaders, extraHeaders),
  };
  if (r.error !== undefined) rec.error = errorText(r.error);
  if (reason !== undefined) rec.reason = reason;
  if (response !== undefined) {
    rec.status = response.status;
    rec.responseHeaders = response.headers;
    const body = response.body;
    if (body.byteLength > 0) {
      rec.responseExcerpt = utf8.decode(body.byteLength > HISTORY_EXCERPT_BYTES ? body.subarray(0, HISTORY_EXCERPT_BYTES) : body);
      if (body.byteLength > HISTORY_EXCERPT_BYTES || response.truncated) rec.responseTruncated = true;
    }
  }
  return rec;
}

/** Fixed cost counted per attempt beside its strings: numbers, the row, the object. */
const ATTEMPT_OVERHEAD = 64;

/** Bytes of a header map, approximated (UTF-16 length of names and values). */
function headerBytes(h: Readonly<Record<string, string>> | undefined): number {
  let n = 0;
  if (h !== undefined) for (const k in h) n += k.length + h[k]!.length + 4;
  return n;
}

/** What an attempt record weighs in the history's byte bound, approximated. */
export function attemptBytes(a: AttemptRecord): number {
  return (
    ATTEMPT_OVERHEAD +
    headerBytes(a.requestHeaders) +
    headerBytes(a.responseHeaders) +
    (a.responseExcerpt?.length ?? 0) +
    (a.error?.length ?? 0) +
    (a.reason?.length ?? 0)
  );
}

/**
 * An attempt as the engine hands it to the history: the delivery's fields
 * read now, the record built on first read. The sqlite history reads it at
 * once; the memory history keeps the entry and builds records only when the
 * page asks, so recording costs delivery almost nothing (bench/observe.mjs).
 */
export class ReportedAttempt implements AttemptEntry {
  readonly id: string;
  readonly event: string;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly createdAt: number;
  readonly outcome: HistoryOutcome;
  readonly #number: number;
  #record: AttemptRecord | undefined;

  constructor(
    d: Delivery,
    readonly webhook: string,
    readonly kind: 'queued' | 'gate',
    private readonly r: AttemptResult,
    private readonly attemptOutcome: AttemptOutcome,
    private readonly extraHeaders: Readonly<Record<string, string>> | undefined,
    private readonly reason: string | undefined,
  ) {
    this.id = d.id;
    this.event = d.event;
    this.contentType = d.contentType;
    this.body = d.body;
    this.createdAt = d.createdAt;
    this.#number = d.attempts;
    const gate = kind === 'gate';
    this.outcome = historyOutcome(attemptOutcome, gate, gate && isCancelContentType(r.response?.headers['content-type']));
  }

  /** The attempt's record, built once. */
  get attempt(): AttemptRecord {
    this.#record ??= attemptRecord(this.r, this.attemptOutcome, this.#number, this.extraHeaders, this.reason);
    return this.#record;
  }

  /** The delivery's attempt count after this attempt, without building the record. */
  get number(): number {
    return this.#number;
  }

  /** Start, latency and status of the attempt, without building the record. */
  get startedAt(): number {
    return this.r.startedAt;
  }

  get durationMs(): number {
    return this.r.durationMs;
  }

  get status(): number | undefined {
    return this.r.response?.status;
  }

  /** Bytes of the answer's body the entry holds (the record keeps at most an excerpt of it). */
  get answerBytes(): number {
    return this.r.response?.body.byteLength ?? 0;
  }
}
