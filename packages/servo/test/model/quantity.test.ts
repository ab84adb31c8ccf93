import { describe, expect, it } from 'vitest';
import { CPU_EXPECTED, CpuQuantity, MEMORY_EXPECTED, MemoryQuantity, parseCpu, parseMemory } from '../../src/model/index.js';

describe('parseCpu', () => {
  it.each<[string | number, number]>([
    ['500m', 0.5],
    ['250m', 0.25],
    ['1', 1],
    ['1.5', 1.5],
    ['0', 0],
    [2, 2],
    [0.125, 0.125],
  ])('%j is %d cores', (input, cores) => expect(parseCpu(input)).toBe(cores));

  it.each<unknown>(['', '500M', '1 core', '-1', 'm', -0.5, NaN])('rejects %j', (input) => {
    expect(() => parseCpu(input as string)).toThrow(CPU_EXPECTED);
  });
});

describe('parseMemory', () => {
  it.each<[string | number, number]>([
    ['512Mi', 512 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['2G', 2e9],
    ['100M', 100e6],
    ['1k', 1000],
    ['1Ki', 1024],
    ['1GiB', 1024 ** 3],
    ['1GB', 1e9],
    ['1 Gi', 1024 ** 3],
    ['4096', 4096],
    ['1Ti', 1024 ** 4],
    [1024, 1024],
  ])('%j is %d bytes', (input, bytes) => expect(parseMemory(input)).toBe(bytes));

  it.each<unknown>(['', '1Gx', '1 GiBs', 'Gi', '-1Gi', '1Zi', -1, Infinity])('rejects %j', (input) => {
    expect(() => parseMemory(input as string)).toThrow(MEMORY_EXPECTED);
  });
});

describe('quantity schemas', () => {
  it('parse to numbers and report bad input with the accepted forms', () => {
    expect(CpuQuantity.parse('750m')).toBe(0.75);
    expect(MemoryQuantity.parse('256Mi')).toBe(268_435_456);
    const cpu = CpuQuantity.safeParse('lots');
    expect(cpu.error!.issues[0]!.message).toBe(`invalid cpu "lots": ${CPU_EXPECTED}`);
    const mem = MemoryQuantity.safeParse('1Zi');
    expect(mem.error!.issues[0]!.message).toBe(`invalid memory "1Zi": ${MEMORY_EXPECTED}`);
  });
});
