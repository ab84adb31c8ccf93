/** The in-memory delivery history: bounds by count and by bytes, what a record keeps, live listeners. */
import { describe, expect, it } from 'vitest';
import { MemoryHistory } from '../../src/history/memory.js';
import type { AttemptEntry, AttemptRecord, HistoryOutcome } from '../../src/history/types.js';

/** One attempt entry of delivery `id` (a `size`-byte body). */
function entry(
  id: string,
  over: { outcome?: HistoryOutcome; number?: number; size?: number; webhook?: string; event?: string; at?: number } = {},
): AttemptEntry {
  const attempt: AttemptRecord = {
    number: over.number ?? 1,
    startedAt: over.at ?? 1000,
    durationMs: 3,
    outcome: over.outcome === 'retrying' ? 'retry' : 'delivered',
    status: over.outcome === 'retrying' ? 503 : 204,
    requestHeaders: { 'webhook-id': id },
  };
  return {
    id,
    webhook: over.webhook ?? 'w',
    event: over.event ?? 'after:measure',
    kind: 'queued',
    contentType: 'application/json',
    body: new Uint8Array(over.size ?? 10).fill(65),
    createdAt: 1000,
    attempt,
    outcome: over.outcome ?? 'delivered',
  };
}

describe('MemoryHistory', () => {
  it('keeps each delivery with its attempts, newest first, filtered by webhook, event and outcome', () => {
    const h = new MemoryHistory();
    h.record(entry('a', { outcome: 'retrying', webhook: 'x' }));
    h.record(entry('b', { event: 'after:adjust' }));
    h.record(entry('a', { number: 2, webhook: 'x', at: 2000 }));
    expect(h.list().map((s) => [s.id, s.attempts, s.outcome])).toEqual([
      ['b', 1, 'delivered'],
      ['a', 2, 'delivered'],
    ]);
    expect(h.list({ webhook: 'x' }).map((s) => s.id)).toEqual(['a']);
    expect(h.list({ event: 'after:adjust' }).map((s) => s.id)).toEqual(['b']);
    expect(h.list({ outcome: 'retrying' })).toEqual([]);
    expect(h.list({ limit: 1 }).map((s) => s.id)).toEqual(['b']);
    const a = h.get('a')!;
    expect(a.attemptRecords.map((r) => [r.number, r.status])).toEqual([
      [1, 503],
      [2, 204],
    ]);
    expect(a).toMatchObject({ lastAttemptAt: 2000, status: 204, bodySize: 10 });
    expect(Buffer.from(a.body!).toString()).toBe('A'.repeat(10));
    expect(h.get('nope')).toBeUndefined();
  });

  it('holds at most max_attempts: the oldest deliveries leave first', () => {
    const h = new MemoryHistory({ maxAttempts: 5 });
    for (let i = 0; i < 4; i++) h.record(entry(`d${i}`));
    h.record(entry('d3', { number: 2 }));
    h.record(entry('d3', { number: 3 }));
    expect(h.size.attempts).toBeLessThanOrEqual(5);
    expect(h.list().map((s) => s.id)).toEqual(['d3', 'd2', 'd1']);
    expect(h.get('d0')).toBeUndefined();
    // One delivery alone past the bound: its oldest attempts leave, the record stays.
    for (let n = 4; n <= 9; n++) h.record(entry('d3', { number: n }));
    expect(h.list().map((s) => s.id)).toEqual(['d3']);
    expect(h.get('d3')!.attemptRecords.map((a) => a.number)).toEqual([5, 6, 7, 8, 9]);
  });

  it('holds at most max_bytes: bodies leave first, oldest first, and their records stay', () => {
    const h = new MemoryHistory({ maxBytes: 10_000 });
    for (let i = 0; i < 4; i++) h.record(entry(`d${i}`, { size: 3000 }));
    expect(h.size.bytes).toBeLessThanOrEqual(10_000);
    const kept = h.list().map((s) => s.id);
    expect(kept).toEqual(['d3', 'd2', 'd1', 'd0']);
    expect(h.get('d0')!.body).toBeUndefined();
    expect(h.get('d0')!.bodySize).toBe(3000);
    expect(h.get('d0')!.attemptRecords).toHaveLength(1);
    expect(h.get('d3')!.body).toHaveLength(3000);
    // A body larger than the whole bound leaves at once; its record stays.
    h.record(entry('huge', { size: 50_000 }));
    expect(h.size.bytes).toBeLessThanOrEqual(10_000);
    expect(h.get('huge')).toMatchObject({ bodySize: 50_000, attempts: 1 });
    expect(h.get('huge')!.body).toBeUndefined();
  });

  it('calls listeners after each attempt; a throwing listener changes nothing', () => {
    const h = new MemoryHistory();
    const seen: string[] = [];
    h.subscribe(() => {
      throw new Error('page gone');
    });
    const off = h.subscribe((s, a) => seen.push(`${s.id}#${a.number}:${s.outcome}`));
    h.record(entry('a', { outcome: 'retrying' }));
    h.record(entry('a', { number: 2 }));
    off();
    h.record(entry('b'));
    expect(seen).toEqual(['a#1:retrying', 'a#2:delivered']);
    expect(h.list()).toHaveLength(2);
  });
});
