import { describe, expect, it } from 'vitest';
import {
  Component,
  CpuSetting,
  Description,
  EnumSetting,
  findSetting,
  InstanceTypeSetting,
  MemorySetting,
  RangeSetting,
  ReplicasSetting,
  Setting,
} from '../../src/model/index.js';

/** A describe answer as servox serialises it. */
const servoxDescription = {
  components: [
    {
      name: 'web',
      settings: [
        { name: 'cpu', type: 'range', pinned: false, value: 1.0, min: 0.25, max: 4.0, step: 0.125, unit: 'cores' },
        { name: 'mem', type: 'range', pinned: false, value: 2147483648, min: 268435456, max: 4294967296, step: 134217728, unit: 'bytes' },
        { name: 'replicas', type: 'range', pinned: true, value: 2, min: 1, max: 8, step: 1, unit: null },
        { name: 'inst_type', type: 'enum', pinned: false, value: 'm5.large', values: ['m5.large', 'm5.xlarge'], unit: 'ec2' },
      ],
    },
    { name: 'db', settings: [] },
  ],
  metrics: [
    { name: 'throughput', unit: 'rpm' },
    { name: 'error_rate', unit: '%' },
    { name: 'latency_p99', unit: 'ms' },
    { name: 'requests', unit: '' },
  ],
};

describe('Setting', () => {
  it('round-trips a servox description unchanged', () => {
    const parsed = Description.parse(servoxDescription);
    expect(parsed).toEqual(servoxDescription);
    expect(Description.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('applies defaults: pinned false, settings and metrics empty, unit ""', () => {
    const s = Setting.parse({ name: 'cpu', type: 'range', min: 1, max: 2, step: 1 });
    expect(s).toEqual({ name: 'cpu', type: 'range', pinned: false, min: 1, max: 2, step: 1 });
    expect(Description.parse({})).toEqual({ components: [], metrics: [] });
    expect(Component.parse({ name: 'web' })).toEqual({ name: 'web', settings: [] });
    expect(Description.parse({ metrics: [{ name: 'x' }] }).metrics).toEqual([{ name: 'x', unit: '' }]);
  });

  it('tells range and enum settings apart by type', () => {
    const e = Setting.parse({ name: 'mode', type: 'enum', values: ['a', 'b', 3], value: 3 });
    expect(e.type === 'enum' && e.values).toEqual(['a', 'b', 3]);
    const r = Setting.parse({ name: 'n', type: 'range', min: 0, max: 1, step: 0.5, value: 0.5 });
    expect(r.type === 'range' && r.step).toBe(0.5);
  });

  it.each<[string, unknown, RegExp, (string | number)[]]>([
    ['min above max', { name: 'cpu', type: 'range', min: 4, max: 1, step: 1 }, /max \(1\) must be at least min \(4\)/, ['max']],
    ['value out of range', { name: 'cpu', type: 'range', min: 1, max: 4, step: 1, value: 8 }, /value 8 is outside the range \[1, 4\]/, ['value']],
    ['zero step', { name: 'cpu', type: 'range', min: 1, max: 4, step: 0 }, /step must be greater than 0/, ['step']],
    ['enum value not listed', { name: 'm', type: 'enum', values: ['a', 'b'], value: 'c' }, /value "c" is not one of "a", "b"/, ['value']],
    ['empty enum', { name: 'm', type: 'enum', values: [] }, /at least 1|>=1/, ['values']],
    ['missing name', { type: 'range', min: 1, max: 4, step: 1 }, /string/, ['name']],
    ['unknown type', { name: 'x', type: 'list', values: [] }, /range|enum|discriminator/i, ['type']],
  ])('rejects %s with a useful message', (_label, input, message, path) => {
    const r = Setting.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.message).toMatch(message);
    expect(issue.path).toEqual(path);
  });

  it('rejects duplicate setting names within a component', () => {
    const r = Component.safeParse({
      name: 'web',
      settings: [
        { name: 'cpu', type: 'range', min: 1, max: 2, step: 1 },
        { name: 'cpu', type: 'range', min: 1, max: 2, step: 1 },
      ],
    });
    expect(r.error!.issues[0]!.message).toBe('duplicate setting "cpu" in component "web"');
    expect(r.error!.issues[0]!.path).toEqual(['settings', 1, 'name']);
  });

  it('RangeSetting and EnumSetting alone reject the other type', () => {
    expect(RangeSetting.safeParse({ name: 'm', type: 'enum', values: ['a'] }).success).toBe(false);
    expect(EnumSetting.safeParse({ name: 'c', type: 'range', min: 0, max: 1, step: 1 }).success).toBe(false);
  });

  it('finds a setting by component and name', () => {
    const d = Description.parse(servoxDescription);
    expect(findSetting(d, 'web', 'replicas')).toMatchObject({ pinned: true, value: 2 });
    expect(findSetting(d, 'web', 'gpu')).toBeUndefined();
    expect(findSetting(d, 'nope', 'cpu')).toBeUndefined();
  });
});

describe('specialised settings', () => {
  it('CpuSetting reads millicores and yields a range setting in cores', () => {
    const cpu = CpuSetting.parse({ min: '250m', max: 4, value: '1' });
    expect(cpu).toEqual({ name: 'cpu', type: 'range', pinned: false, unit: 'cores', min: 0.25, max: 4, step: 0.125, value: 1 });
    expect(Setting.parse(cpu)).toEqual(cpu);
    expect(CpuSetting.safeParse({ min: '2', max: '1' }).error!.issues[0]!.message).toMatch(/must be at least min/);
  });

  it('MemorySetting reads sizes and yields a range setting in bytes', () => {
    const mem = MemorySetting.parse({ min: '256Mi', max: '4Gi', value: '1Gi' });
    expect(mem).toEqual({
      name: 'mem',
      type: 'range',
      pinned: false,
      unit: 'bytes',
      min: 268_435_456,
      max: 4_294_967_296,
      step: 134_217_728,
      value: 1_073_741_824,
    });
    expect(Setting.parse(mem)).toEqual(mem);
    const bad = MemorySetting.safeParse({ min: '256Mi', max: '4 gigs' });
    expect(bad.error!.issues[0]!.path).toEqual(['max']);
    expect(bad.error!.issues[0]!.message).toContain('invalid memory "4 gigs"');
  });

  it('ReplicasSetting accepts whole numbers only', () => {
    expect(ReplicasSetting.parse({ min: 1, max: 10, value: 3 })).toEqual({
      name: 'replicas',
      type: 'range',
      pinned: false,
      min: 1,
      max: 10,
      step: 1,
      value: 3,
    });
    expect(ReplicasSetting.safeParse({ min: 1, max: 10, value: 2.5 }).error!.issues[0]!.path).toEqual(['value']);
  });

  it('InstanceTypeSetting yields an enum setting', () => {
    const it = InstanceTypeSetting.parse({ values: ['m5.large', 'm5.xlarge'], value: 'm5.large' });
    expect(it).toEqual({ name: 'inst_type', type: 'enum', pinned: false, unit: 'ec2', values: ['m5.large', 'm5.xlarge'], value: 'm5.large' });
    expect(Setting.parse(it)).toEqual(it);
    expect(InstanceTypeSetting.safeParse({ values: ['m5.large'], value: 't2.micro' }).success).toBe(false);
  });
});
