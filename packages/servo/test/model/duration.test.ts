import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Duration, DURATION_EXPECTED, DurationMs, formatDuration, isInvalidValueError, parseDuration } from '../../src/model/index.js';

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    ['300ms', 300],
    ['5m', 300_000],
    ['2h45m', 9_900_000],
    ['72h3m0.5s', 259_380_500],
    ['1.5h', 5_400_000],
    ['1.1s', 1_100],
    ['.5s', 500],
    ['1.s', 1_000],
    ['0', 0],
    ['0s', 0],
    ['30', 30_000],
    ['2.5', 2_500],
    ['1500ns', 0.0015],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1mm', 2_592_000_000],
    ['1y', 31_536_000_000],
    ['1y1mm1w1d1h1m1s1ms', 31_536_000_000 + 2_592_000_000 + 604_800_000 + 86_400_000 + 3_600_000 + 60_000 + 1_000 + 1],
    ['5m30s', 330_000],
    [0, 0],
    [90, 90_000],
    [0.25, 250],
    [1.1, 1_100],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each<unknown>(['', '5x', '-5s', '+5s', 'm', '5 m', ' 5m', '5m ', '5M', '1.2.3s', 'h5', '5mms', 'Infinity', -1, NaN, Infinity, null, true])(
    'rejects %j naming the input and the accepted forms',
    (input) => {
      let thrown: unknown;
      try {
        parseDuration(input as string);
      } catch (err) {
        thrown = err;
      }
      expect(isInvalidValueError(thrown)).toBe(true);
      const message = (thrown as Error).message;
      expect(message).toContain(DURATION_EXPECTED);
      if (typeof input === 'string') expect(message).toContain(JSON.stringify(input));
    },
  );
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [300, '300ms'],
    [1.5, '1.5ms'],
    [0.5, '500us'],
    [0.0015, '1.5us'],
    [0.000001, '1ns'],
    [1_000, '1s'],
    [1_100, '1.1s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [3_600_500, '1h0.5s'],
    [9_900_000, '2h45m'],
    [259_380_500, '72h3m0.5s'],
    [31_536_000_000, '8760h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([-1, NaN, Infinity])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(/invalid duration .*non-negative number of milliseconds/);
  });

  it('round-trips through parse for many values', () => {
    for (let ms = 0; ms < 10_000_000; ms += 7_919) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});

describe('Duration schema', () => {
  it('outputs the canonical string for strings and numbers of seconds', () => {
    expect(Duration.parse('165m')).toBe('2h45m');
    expect(Duration.parse(9900)).toBe('2h45m');
    expect(Duration.parse('300s')).toBe('5m');
    expect(Duration.parse('0')).toBe('0s');
  });

  it('encodes back to a valid input', () => {
    expect(z.encode(Duration, '2h45m')).toBe('2h45m');
    expect(Duration.parse(z.encode(Duration, Duration.parse('1w')))).toBe('168h');
  });

  it.each<unknown>(['5x', '-5s', -3, true, null, {}])('rejects %j with the expected forms', (input) => {
    const r = Duration.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.message).toContain(DURATION_EXPECTED);
    expect(r.error!.issues[0]!.message).toMatch(/^invalid duration /);
  });

  it('reports the path of a bad duration inside an object', () => {
    const r = z.object({ timeout: Duration }).safeParse({ timeout: '10 seconds' });
    expect(r.error!.issues[0]!.path).toEqual(['timeout']);
    expect(r.error!.issues[0]!.message).toContain('"10 seconds"');
  });

  it('DurationMs outputs milliseconds and encodes to the canonical string', () => {
    expect(DurationMs.parse('2h45m')).toBe(9_900_000);
    expect(DurationMs.parse(1.5)).toBe(1_500);
    expect(z.encode(DurationMs, 300_000)).toBe('5m');
    expect(DurationMs.safeParse('fast').success).toBe(false);
  });

  it('emits an input JSON Schema of a patterned string or a number, and an output schema of a string', () => {
    const input = z.toJSONSchema(DurationMs, { io: 'input' }) as { anyOf: { type: string; pattern?: string }[] };
    expect(input.anyOf.map((s) => s.type)).toEqual(['string', 'number']);
    const pattern = new RegExp(input.anyOf[0]!.pattern!);
    for (const ok of ['300ms', '2h45m', '72h3m0.5s', '30']) expect(pattern.test(ok)).toBe(true);
    for (const bad of ['5x', '-5s', '']) expect(pattern.test(bad)).toBe(false);
    expect(z.toJSONSchema(DurationMs, { io: 'output' })).toMatchObject({ type: 'number', minimum: 0 });
    const out = z.toJSONSchema(z.object({ d: Duration }), { io: 'output' }) as { $defs: Record<string, { type: string }> };
    expect(out.$defs.Duration!.type).toBe('string');
  });
});
