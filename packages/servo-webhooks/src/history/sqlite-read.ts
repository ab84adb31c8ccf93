/**
 * Reading the sqlite history's batch rows (history/sqlite.ts): the deliveries
 * they hold, merged across rows and processes, and one delivery in full.
 * @module
 */
import { inflateRawSync } from 'node:zlib';
import type { AttemptRecord, DeliveryRecord, DeliverySummary, HistoryOutcome } from './types.js';

/**
 * One attempt's line in a row's summaries: id, webhook, event, kind, content
 * type, createdAt, outcome after it, body size, offset of the body in the
 * row's bodies (-1: in an earlier row), startedAt, durationMs, status (null: none).
 */
export type SummaryLine = [string, string, string, 'queued' | 'gate', string, number, HistoryOutcome, number, number, number, number, number | null];

/** A delivery as the summaries read so far make it (newest row first). */
export interface Seen {
  summary: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] };
  /** Order of its first attempt: row seq, then line. */
  firstSeq: number;
  firstLine: number;
}

/** The lines of a deflated text column. */
function lines(deflated: Buffer): string[] {
  return inflateRawSync(deflated).toString('utf8').split('\n');
}

/** Every delivery of `rows` (seq and deflated summaries, newest first), by id. */
export function deliveriesOf(rows: readonly [number, Buffer][]): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  for (const [seq, deflated] of rows) {
    const text = lines(deflated);
    for (let i = text.length - 1; i >= 0; i--) {
      const l = JSON.parse(text[i]!) as SummaryLine;
      const k = seen.get(l[0]);
      if (k !== undefined) {
        // An earlier attempt of a delivery already seen: it counts, and dates the delivery.
        k.summary.attempts++;
        k.firstSeq = seq;
        k.firstLine = i;
        if (l[5] < k.summary.createdAt) k.summary.createdAt = l[5];
        continue;
      }
      const summary: Seen['summary'] = {
        id: l[0],
        webhook: l[1],
        event: l[2],
        kind: l[3],
        createdAt: l[5],
        attempts: 1,
        outcome: l[6],
        lastAttemptAt: l[9],
        latencyMs: l[10],
      };
      if (l[11] !== null) summary.status = l[11];
      seen.set(l[0], { summary, firstSeq: seq, firstLine: i });
    }
  }
  return seen;
}

/** Delivery `id` from the rows that name it (summaries, records, bodies or null once they left; oldest first). */
export function recordOf(id: string, rows: readonly [Buffer, Buffer, Buffer | null][]): DeliveryRecord | undefined {
  let last: SummaryLine | undefined;
  let createdAt = Infinity;
  let body: Uint8Array | undefined;
  const attemptRecords: AttemptRecord[] = [];
  for (const [summaries, records, bodies] of rows) {
    const s = lines(summaries);
    let r: string[] | undefined;
    let raw: Buffer | undefined;
    for (let i = 0; i < s.length; i++) {
      const l = JSON.parse(s[i]!) as SummaryLine;
      if (l[0] !== id) continue;
      last = l;
      createdAt = Math.min(createdAt, l[5]);
      r ??= lines(records);
      attemptRecords.push(JSON.parse(r[i]!) as AttemptRecord);
      if (l[8] < 0) continue;
      // The newest copy of the body counts (bodies leave oldest first).
      if (bodies === null) body = undefined;
      else {
        raw ??= inflateRawSync(bodies);
        body = new Uint8Array(raw.subarray(l[8], l[8] + l[7]));
      }
    }
  }
  if (last === undefined) return undefined;
  const rec: { -readonly [K in keyof DeliveryRecord]: DeliveryRecord[K] } = {
    id,
    webhook: last[1],
    event: last[2],
    kind: last[3],
    createdAt,
    attempts: attemptRecords.length,
    outcome: last[6],
    lastAttemptAt: last[9],
    latencyMs: last[10],
    contentType: last[4],
    bodySize: last[7],
    attemptRecords,
  };
  if (last[11] !== null) rec.status = last[11];
  if (body !== undefined) rec.body = body;
  return rec;
}
