import { describe, expect, it } from 'vitest';
import { compileSelector, isValidChannelName } from '../../src/pubsub/index.js';

describe('channel names', () => {
  it('accepts 1-128 letters, digits, ".", "-", "_", "/"', () => {
    expect(isValidChannelName('a')).toBe(true);
    expect(isValidChannelName('servo.metrics/cpu-usage_1')).toBe(true);
    expect(isValidChannelName('x'.repeat(128))).toBe(true);
    expect(isValidChannelName('x'.repeat(129))).toBe(false);
    expect(isValidChannelName('')).toBe(false);
    expect(isValidChannelName('has space')).toBe(false);
    expect(isValidChannelName('é')).toBe(false);
  });
});

describe('compileSelector', () => {
  it('exact names match only themselves', () => {
    const s = compileSelector('metrics.cpu');
    expect(s.kind).toBe('exact');
    expect(s.matches('metrics.cpu')).toBe(true);
    expect(s.matches('metrics.cpux')).toBe(false);
    expect(s.matches('metrics/cpu')).toBe(false);
  });

  it('an exact name must be a valid channel name', () => {
    expect(() => compileSelector('x'.repeat(129))).toThrow(expect.objectContaining({ code: 'SERVO_INVALID_CHANNEL' }));
  });

  it('"*" matches one segment, "." and "/" separate segments', () => {
    const s = compileSelector('metrics.*');
    expect(s.kind).toBe('glob');
    expect(s.matches('metrics.cpu')).toBe(true);
    expect(s.matches('metrics/cpu')).toBe(true);
    expect(s.matches('metrics.cpu.p99')).toBe(false);
    expect(s.matches('metrics')).toBe(false);
    expect(s.matches('other.cpu')).toBe(false);
  });

  it('"**" matches any depth', () => {
    const s = compileSelector('servo.**');
    expect(s.matches('servo.a')).toBe(true);
    expect(s.matches('servo.a.b/c')).toBe(true);
    expect(s.matches('servox.a')).toBe(false);
  });

  it('supports braces and character classes', () => {
    const s = compileSelector('{a,b}.events');
    expect(s.matches('a.events')).toBe(true);
    expect(s.matches('b.events')).toBe(true);
    expect(s.matches('c.events')).toBe(false);
    expect(compileSelector('x-[0-9]').matches('x-7')).toBe(true);
  });

  it('an unbalanced glob is a clear error', () => {
    expect(() => compileSelector('metrics.[cpu')).toThrow(/invalid channel selector "metrics\.\[cpu"/);
  });

  it('/regex/flags selectors test the whole name as written', () => {
    const s = compileSelector('/^metrics\\.(cpu|mem)$/i');
    expect(s.kind).toBe('regex');
    expect(s.matches('metrics.cpu')).toBe(true);
    expect(s.matches('METRICS.MEM')).toBe(true);
    expect(s.matches('metrics.disk')).toBe(false);
    // Unanchored: a substring match is a match.
    expect(compileSelector('/cpu/').matches('metrics.cpu.p99')).toBe(true);
  });

  it('a regex selector is stable across repeated matches', () => {
    const s = compileSelector('/a/');
    expect([s.matches('a'), s.matches('a'), s.matches('a')]).toEqual([true, true, true]);
    expect(() => compileSelector('/a/g')).toThrow(/"g" and "y" flags/);
  });

  it('an invalid regex is a clear, coded error', () => {
    let caught: unknown;
    try {
      compileSelector('/metrics.(cpu/');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'SERVO_INVALID_SELECTOR' });
    expect((caught as Error).message).toMatch(/invalid channel selector "\/metrics\.\(cpu\/": .*Unterminated group/);
    expect(() => compileSelector('/abc')).toThrow(/write \/pattern\/flags/);
    expect(() => compileSelector('/abc/q')).toThrow(/Invalid flags/);
    expect(() => compileSelector('')).toThrow(/non-empty/);
  });
});
