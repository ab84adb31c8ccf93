/** Conversions between the servo model and the optimizer's wire forms: golden JSON from the protocol reference. */
import { describe, expect, it } from 'vitest';
import { CpuSetting, EnumSetting, MemorySetting, ReplicasSetting } from '../../src/model/setting.js';
import { Measurement } from '../../src/model/measurement.js';
import { metricNames, toAdjustments, toControl, toDescriptor, toMetrics } from '../../src/optimizer/convert.js';

describe('Description -> descriptor', () => {
  it('matches the reference DESCRIPTION payload', () => {
    const descriptor = toDescriptor({
      components: [
        {
          name: 'main',
          settings: [
            CpuSetting.parse({ min: 1, max: 5, step: 0.125, value: 2 }),
            EnumSetting.parse({ name: 'the-setting', type: 'enum', unit: 'unit', values: ['one', 'two'], value: 'two' }),
          ],
        },
      ],
      metrics: [{ name: 'throughput', unit: 'rpm' }],
    });
    expect(JSON.parse(JSON.stringify(descriptor))).toEqual(
      JSON.parse(
        '{"application":{"components":{"main":{"settings":{"cpu":{"type":"range","unit":"cores","min":1.0,"max":5.0,"step":0.125,"pinned":false,"value":2.0},"the-setting":{"type":"enum","unit":"unit","values":["one","two"],"pinned":false,"value":"two"}}}}},"measurement":{"metrics":{"throughput":{"unit":"rpm"}}}}',
      ),
    );
  });

  it('reports memory in GiB and replicas as integers', () => {
    const d = toDescriptor({
      components: [
        { name: 'web', settings: [MemorySetting.parse({ min: '512Mi', max: '4Gi', value: '1Gi' }), ReplicasSetting.parse({ min: 1, max: 8, value: 2 })] },
      ],
      metrics: [],
    });
    expect(d.application.components.web!.settings).toEqual({
      mem: { type: 'range', unit: 'GiB', min: 0.5, max: 4, step: 0.125, pinned: false, value: 1 },
      replicas: { type: 'range', min: 1, max: 8, step: 1, pinned: false, value: 2 },
    });
    expect(d.measurement).toEqual({ metrics: {} });
  });
});

describe('ADJUST state -> adjustments', () => {
  it('reads the reference ADJUST command', () => {
    const cmd = JSON.parse(
      '{"cmd":"ADJUST","param":{"state":{"application":{"components":{"main":{"settings":{"cpu":{"value":1.0},"replicas":{"value":2.0}}}}}},"control":{"settlement":60}}}',
    );
    expect(toAdjustments(cmd.param.state)).toEqual([
      { component_name: 'main', setting_name: 'cpu', value: 1 },
      { component_name: 'main', setting_name: 'replicas', value: 2 },
    ]);
    expect(toControl(cmd.param.control)).toEqual({ settlement: 60 });
  });

  it('skips settings without a value and tolerates a malformed state', () => {
    expect(toAdjustments({ application: { components: { a: { settings: { x: {}, y: { value: 'big' } } } } } })).toEqual([
      { component_name: 'a', setting_name: 'y', value: 'big' },
    ]);
    expect(toAdjustments(undefined)).toEqual([]);
    expect(toAdjustments({ nope: 1 })).toEqual([]);
  });
});

describe('MEASURE param', () => {
  it('takes metric names from a mapping or a list, and past as delay', () => {
    const cmd = JSON.parse('{"cmd":"MEASURE","param":{"control":{"delay":10,"warmup":30,"duration":180},"metrics":{"throughput":{"unit":"rpm"}}}}');
    expect(metricNames(cmd.param)).toEqual(['throughput']);
    expect(metricNames({ metrics: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(metricNames({})).toBeUndefined();
    expect(toControl(cmd.param.control)).toEqual({ delay: 10, warmup: 30, duration: 180 });
    expect(toControl({ past: '5s', duration: '1m' })).toEqual({ delay: '5s', duration: '1m' });
  });
});

describe('Measurement -> metrics', () => {
  it('matches the reference MEASUREMENT payload', () => {
    const m = Measurement.parse({
      readings: [
        {
          metric: { name: 'throughput', unit: 'rpm' },
          data_points: [{ metric: { name: 'throughput', unit: 'rpm' }, time: '2023-11-14T22:13:20Z', value: 123.0 }],
        },
      ],
    });
    const e = Measurement.parse({ readings: [{ metric: { name: 'error_rate', unit: '%' }, time: '2023-11-14T22:13:20Z', value: 0.5 }] });
    const out = toMetrics([m, e], () => 1_700_000_123_456);
    expect(JSON.parse(JSON.stringify(out))).toEqual(
      JSON.parse(
        '{"metrics":{"throughput":{"unit":"rpm","values":[{"id":"1700000123","data":[[1700000000,123.0]]}]},"error_rate":{"unit":"%","value":0.5}},"annotations":{}}',
      ),
    );
  });

  it('keeps series ids, appends series of one metric and merges annotations', () => {
    const series = (id: string, v: number) => ({
      metric: { name: 'p50', unit: 'ms' },
      id,
      data_points: [{ metric: { name: 'p50', unit: 'ms' }, time: '2023-11-14T22:13:20.5Z', value: v }],
    });
    const m = Measurement.parse({ readings: [series('a', 1), series('b', 2)], annotations: { note: 'x' } });
    expect(toMetrics([m])).toEqual({
      metrics: {
        p50: {
          unit: 'ms',
          values: [
            { id: 'a', data: [[1700000000.5, 1]] },
            { id: 'b', data: [[1700000000.5, 2]] },
          ],
        },
      },
      annotations: { note: 'x' },
    });
  });
});
