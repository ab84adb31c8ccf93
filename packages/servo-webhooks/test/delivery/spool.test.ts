import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/delivery/backlog/spool.js';
import type { Delivery } from '../../src/delivery/types.js';

function delivery(i: number, over: Partial<Delivery> = {}): Delivery {
  return {
    id: `msg_${i}`,
    webhook: 'w',
    event: `after:event-${i % 7}`,
    body: Buffer.alloc(i % 5_000, i % 251),
    contentType: 'application/json',
    createdAt: 1_700_000_000_000 + i,
    attempts: i % 4,
    nextAttemptAt: 1_700_000_000_500 + i * 3,
    ...over,
  };
}

/** The fields as plain values, the body as base64 (quick to compare; Uint8Array vs Buffer must not matter). */
function plain(d: Delivery): object {
  return { ...d, body: Buffer.from(d.body).toString('base64') };
}

describe('Spool', () => {
  it('returns what was pushed, field for field, oldest first, across many chunks', () => {
    const s = new Spool();
    const pushed = Array.from({ length: 2_000 }, (_, i) => delivery(i));
    for (const d of pushed) s.push(d);
    expect(s.length).toBe(2_000);
    const out: Delivery[] = [];
    for (let d = s.shift('w'); d; d = s.shift('w')) out.push(d);
    expect(out.map(plain)).toEqual(pushed.map(plain));
    expect(s.length).toBe(0);
  });

  it('keeps order when pushes and shifts interleave, and is reusable once empty', () => {
    const s = new Spool();
    const expected: string[] = [];
    const got: string[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 40; k++) {
        const d = delivery(next++);
        expected.push(d.id);
        s.push(d);
      }
      for (let k = 0; k < 25; k++) got.push(s.shift('w')!.id);
    }
    for (let d = s.shift('w'); d; d = s.shift('w')) got.push(d.id);
    expect(got).toEqual(expected);
    s.push(delivery(7));
    expect(s.shift('w')!.id).toBe('msg_7');
    expect(s.shift('w')).toBeUndefined();
  });

  it('round-trips non-ASCII strings, an empty body and a body larger than a chunk', () => {
    const s = new Spool();
    const big = Buffer.alloc(1_000_000, 7);
    const items = [
      delivery(1, { id: 'id-é-✓-😀', event: 'channel:ünïcode', contentType: 'text/plain; charset=utf-8', body: new Uint8Array(0) }),
      delivery(2, { body: big }),
      delivery(3),
    ];
    for (const d of items) s.push(d);
    expect([s.shift('w'), s.shift('w'), s.shift('w')].map((d) => plain(d!))).toEqual(items.map(plain));
  });

  it('copies: changing a pushed body later, or a returned one, changes nothing inside', () => {
    const s = new Spool();
    const body = Buffer.from('original');
    s.push(delivery(1, { body }));
    body.write('CHANGED!');
    const [first] = [...s.values('w')];
    first!.body.fill(0);
    expect(Buffer.from(s.shift('w')!.body).toString()).toBe('original');
  });

  it('finds a waiting id without removing it; values() lists oldest first', () => {
    const s = new Spool();
    for (let i = 0; i < 300; i++) s.push(delivery(i));
    expect(s.get('msg_300', 'w')).toBeUndefined();
    expect(s.get('msg_250', 'hooky')).toMatchObject({ id: 'msg_250', webhook: 'hooky', createdAt: 1_700_000_000_250 });
    s.shift('w');
    expect(s.get('msg_0', 'w')).toBeUndefined();
    expect([...s.values('w')].map((d) => d.id)).toEqual(Array.from({ length: 299 }, (_, i) => `msg_${i + 1}`));
    expect(s.length).toBe(299);
  });

  it('refuses a string too long for its length field, naming the delivery', () => {
    const s = new Spool();
    expect(() => s.push(delivery(1, { event: 'x'.repeat(70_000) }))).toThrow(/delivery msg_1: .*longer than 65535 bytes/);
    expect(s.length).toBe(0);
  });
});
