/**
 * Writing and reading the rows of the sqlite history (history/sqlite.ts):
 * the summary line of an attempt; the deliveries the rows hold, merged across
 * rows (and processes); one delivery in full.
 * @module
 */
import type { AttemptEntry, AttemptRecord, DeliveryRecord, DeliverySummary, HistoryOutcome } from './types.js';

/**
 * One attempt's line in a row's summaries: id, webhook, event, kind, content
 * type, createdAt, outcome after it, body size, offset of the body in the
 * row's bodies (-1: in an earlier row), startedAt, durationMs, status (null: none).
 */
export type SummaryLine = [string, string, string, 'queued' | 'gate', string, number, HistoryOutcome, number, number, number, number, number | null];

/** Writes {@link SummaryLine}s; webhook, event, kind and content type are quoted once per webhook and run of them. */
export class SummaryLines {
  private readonly heads = new Map<string, { event: string; kind: string; contentType: string; text: string }>();

  /** The line of `e`, its body at `offset` of the batch's bodies (-1: none). */
  line(e: AttemptEntry, offset: number): string {
    let h = this.heads.get(e.webhook);
    if (h === undefined || h.event !== e.event || h.kind !== e.kind || h.contentType !== e.contentType) {
      const text = [e.webhook, e.event, e.kind, e.contentType].map((v) => JSON.stringify(v)).join(',');
      h = { event: e.event, kind: e.kind, contentType: e.contentType, text };
      // Bounded by the configured webhooks: a name not configured never reaches the history.
      this.heads.set(e.webhook, h);
    }
    const a = e.attempt;
    return `[${JSON.stringify(e.id)},${h.text},${e.createdAt},"${e.outcome}",${e.body.byteLength},${offset},${a.startedAt},${a.durationMs},${a.status ?? null}]`;
  }
}

/** A delivery as the summaries read so far make it (newest row first). */
export interface Seen {
  summary: { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] };
  /** Order of its first attempt: row seq, then line. */
  firstSeq: number;
  firstLine: number;
}

/** One batch as a reader sees it: its summary lines, and (read only when needed) its records and bodies. */
export interface BatchView {
  readonly seq: number;
  summaries(): string[];
  records(): string[];
  /** The body at `offset` (`size` bytes) in this batch's bodies; undefined once they left. */
  body(offset: number, size: number): Uint8Array | undefined;
}

/** Every delivery of `batches` (newest first), by id. */
export function deliveriesOf(batches: Iterable<BatchView>): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  for (const batch of batches) {
    const seq = batch.seq;
    const text = batch.summaries();
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

/** Delivery `id` from the batches that may hold it, oldest first. */
export function recordOf(id: string, batches: Iterable<BatchView>): DeliveryRecord | undefined {
  let last: SummaryLine | undefined;
  let createdAt = Infinity;
  let body: Uint8Array | undefined;
  const attemptRecords: AttemptRecord[] = [];
  for (const batch of batches) {
    const s = batch.summaries();
    let r: string[] | undefined;
    for (let i = 0; i < s.length; i++) {
      const l = JSON.parse(s[i]!) as SummaryLine;
      if (l[0] !== id) continue;
      last = l;
      createdAt = Math.min(createdAt, l[5]);
      r ??= batch.records();
      attemptRecords.push(JSON.parse(r[i]!) as AttemptRecord);
      // The newest copy of the body counts (bodies leave oldest first).
      if (l[8] >= 0) body = batch.body(l[8], l[7]);
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
