import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CIRCULAR, MAX_DEPTH, TOO_DEEP, UNSERIALIZABLE, errorObject, serializeJson } from '../../src/payload/serialize.js';

const roundTrip = (value: unknown) => JSON.parse(serializeJson(value)!);

describe('serializeJson', () => {
  it('serialises plain JSON exactly like JSON.stringify (fast path, same bytes)', () => {
    const values = [
      { a: 1, b: 'ü ✓ "q" \\ \n', c: [true, false, null, 1.5e-7], d: { e: {} }, '10': 'int key first', z: [] },
      [1, 'two', { three: 3 }],
      'text',
      42,
      null,
      Object.assign(Object.create(null), { proto: 'less' }),
      { lone: '\ud800 surrogate' },
    ];
    for (const v of values) expect(serializeJson(v)).toBe(JSON.stringify(v));
  });

  it('drops undefined, functions and symbols like JSON.stringify (null inside arrays)', () => {
    const sym = Symbol('s');
    expect(serializeJson(undefined)).toBeUndefined();
    expect(serializeJson(() => 1)).toBeUndefined();
    expect(serializeJson(sym)).toBeUndefined();
    expect(roundTrip({ a: undefined, f() {}, s: sym, [sym]: 1, keep: 1 })).toEqual({ keep: 1 });
    expect(roundTrip([undefined, () => 1, sym])).toEqual([null, null, null]);
    // Same on the slow path (a bigint forces it).
    expect(roundTrip({ a: undefined, f() {}, s: sym, n: 1n, arr: [undefined] })).toEqual({ n: '1', arr: [null] });
  });

  it('reduces NaN and ±Infinity to null', () => {
    expect(roundTrip({ a: NaN, b: Infinity, c: [-Infinity] })).toEqual({ a: null, b: null, c: [null] });
    expect(roundTrip({ a: NaN, big: 1n })).toEqual({ a: null, big: '1' });
  });

  it('reduces bigint to a decimal string', () => {
    expect(serializeJson(2n ** 64n)).toBe('"18446744073709551616"');
    expect(roundTrip({ n: -5n, nested: [{ m: 0n }] })).toEqual({ n: '-5', nested: [{ m: '0' }] });
  });

  it('reduces Date to an ISO string (invalid -> null), on both paths', () => {
    const d = new Date('2025-03-01T12:00:00.123Z');
    expect(roundTrip({ d })).toEqual({ d: '2025-03-01T12:00:00.123Z' });
    expect(roundTrip({ d, big: 1n })).toEqual({ d: '2025-03-01T12:00:00.123Z', big: '1' });
    expect(roundTrip({ d: new Date(NaN) })).toEqual({ d: null });
    expect(roundTrip({ d: new Date(NaN), m: new Map() })).toEqual({ d: null, m: {} });
  });

  it('reduces Map to an object and Set to an array, recursively', () => {
    const m = new Map<unknown, unknown>([
      ['a', 1],
      [2, new Set([1n, 'x'])],
      [{ k: 1 }, 'object key'],
      [Symbol('s'), 'dropped'],
    ]);
    expect(roundTrip({ m })).toEqual({ m: { a: 1, '2': ['1', 'x'], '{"k":1}': 'object key' } });
    expect(roundTrip(new Set([new Map([['x', undefined]])]))).toEqual([{}]);
  });

  it('reduces Uint8Array, Buffer, ArrayBuffer and DataView to base64; other typed arrays to arrays', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const b64 = Buffer.from(bytes).toString('base64');
    const slice = new Uint8Array([9, 9, 0, 1, 2, 250, 255, 9]).subarray(2, 7);
    expect(roundTrip({ u: bytes, b: Buffer.from(bytes), s: slice, a: bytes.buffer, v: new DataView(bytes.buffer) })).toEqual({
      u: b64,
      b: b64,
      s: b64,
      a: b64,
      v: b64,
    });
    expect(roundTrip({ f: new Float64Array([1.5, NaN]), i: new BigInt64Array([3n]) })).toEqual({ f: [1.5, null], i: ['3'] });
  });

  it('reduces Error to { type, message, code? } without stack or cause', () => {
    const err = Object.assign(new RangeError('out of range'), { code: 'E_RANGE', secret: 'x' });
    expect(roundTrip({ err })).toEqual({ err: { type: 'RangeError', message: 'out of range', code: 'E_RANGE' } });
    expect(roundTrip([new Error('plain')])).toEqual([{ type: 'Error', message: 'plain' }]);
    expect(serializeJson(new Error('x'))).not.toContain('stack');
  });

  it('does not throw on an Error with a circular cause', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as Error & { cause?: unknown }).cause = b;
    expect(roundTrip({ a })).toEqual({ a: { type: 'Error', message: 'a' } });
    expect(errorObject(a)).toEqual({ type: 'Error', message: 'a' });
  });

  it('marks circular references "[Circular]" but keeps repeated (non-circular) ones', () => {
    const o: Record<string, unknown> = { name: 'o' };
    o.self = o;
    o.list = [o, { back: o }];
    expect(roundTrip(o)).toEqual({ name: 'o', self: CIRCULAR, list: [CIRCULAR, { back: CIRCULAR }] });
    const shared = { s: 1 };
    expect(roundTrip({ a: shared, b: shared, c: [shared, shared] })).toEqual({ a: { s: 1 }, b: { s: 1 }, c: [{ s: 1 }, { s: 1 }] });
    const m = new Map<string, unknown>();
    m.set('m', m);
    expect(roundTrip(m)).toEqual({ m: CIRCULAR });
  });

  it('honours toJSON (with its key) and reduces its result', () => {
    class Money {
      constructor(readonly cents: bigint) {}
      toJSON(key: string) {
        return { cents: this.cents, key };
      }
    }
    expect(roundTrip({ price: new Money(150n) })).toEqual({ price: { cents: '150', key: 'price' } });
    class Plain {
      a = 1;
      b = new Set([2]);
    }
    expect(roundTrip(new Plain())).toEqual({ a: 1, b: [2] });
    expect(roundTrip([new String('s'), new Number(2), new Boolean(false), Object(3n)])).toEqual(['s', 2, false, '3']);
  });

  it('replaces values whose getter or toJSON throws with "[Unserializable]"', () => {
    const o = {
      ok: 1,
      get bad(): number {
        throw new Error('getter');
      },
    };
    expect(roundTrip(o)).toEqual({ ok: 1, bad: UNSERIALIZABLE });
    const t = {
      toJSON() {
        throw new Error('nope');
      },
    };
    expect(roundTrip({ t, ok: true })).toEqual({ t: UNSERIALIZABLE, ok: true });
    expect(roundTrip(t)).toBe(UNSERIALIZABLE);
  });

  it('cuts nesting deeper than MAX_DEPTH', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < MAX_DEPTH + 10; i++) deep = { d: deep };
    const text = serializeJson(deep)!;
    expect(text).toContain(JSON.stringify(TOO_DEEP));
    expect(text).not.toContain('leaf');
  });

  it('is deterministic', () => {
    const make = () => ({ z: 1, a: [new Map([['k', 2n]])], d: new Date(0), e: new Error('e') });
    expect(serializeJson(make())).toBe(serializeJson(make()));
  });
});

describe('errorObject', () => {
  it('keeps name, message and a string or numeric code', () => {
    class CustomError extends Error {
      override name = 'CustomError';
      code = 42;
    }
    expect(errorObject(new CustomError('m'))).toEqual({ type: 'CustomError', message: 'm', code: '42' });
    expect(errorObject(Object.assign(new Error('m'), { code: { nested: 1 } }))).toEqual({ type: 'Error', message: 'm' });
  });

  it('handles errors from another realm and thrown non-errors', () => {
    const foreign = runInNewContext('new TypeError("from vm")') as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(errorObject(foreign)).toEqual({ type: 'TypeError', message: 'from vm' });
    expect(errorObject('just a string')).toEqual({ type: 'string', message: 'just a string' });
    expect(errorObject(undefined)).toEqual({ type: 'undefined', message: 'undefined' });
  });

  it('never throws on hostile errors', () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get: () => {
        throw new Error('no');
      },
    });
    Object.defineProperty(hostile, 'name', {
      get: () => {
        throw new Error('no');
      },
    });
    expect(errorObject(hostile)).toEqual({ type: 'Error', message: '' });
    const noString = {
      toString() {
        throw new Error('no');
      },
    };
    expect(errorObject(noString)).toEqual({ type: 'Object', message: UNSERIALIZABLE });
  });
});
