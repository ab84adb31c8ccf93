import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as model from '../../src/model/index.js';

const schemas = (Object.entries(model) as [string, unknown][]).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);

function root(schema: Record<string, unknown>): Record<string, unknown> {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return (schema.$defs as Record<string, Record<string, unknown>>)[ref.replace('#/$defs/', '')]!;
}

describe('JSON Schema of the model', () => {
  it('covers every exported schema', () => {
    expect(schemas.map(([name]) => name).sort()).toEqual(
      [
        'Adjustment',
        'Check',
        'CheckFilter',
        'Component',
        'Control',
        'CpuQuantity',
        'CpuSetting',
        'DataPoint',
        'Description',
        'Duration',
        'DurationMs',
        'EnumSetting',
        'InstanceTypeSetting',
        'Measurement',
        'MemoryQuantity',
        'MemorySetting',
        'Metric',
        'RangeSetting',
        'Readings',
        'ReplicasSetting',
        'Setting',
        'Severity',
        'TimeSeries',
        'Timestamp',
        'Unit',
      ].sort(),
    );
  });

  for (const io of ['input', 'output'] as const) {
    it.each(schemas.map(([name]) => name))(`%s converts and is described (io: ${io})`, (name) => {
      const schema = model[name as keyof typeof model] as z.ZodType;
      const json = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
      expect(JSON.parse(JSON.stringify(json))).toEqual(json);
      expect(root(json).description).toMatch(/\w{3}/);
    });
  }

  it('input schemas say what may be omitted; output schemas what is always there', () => {
    const input = root(z.toJSONSchema(model.RangeSetting, { io: 'input' }) as Record<string, unknown>);
    const output = root(z.toJSONSchema(model.RangeSetting, { io: 'output' }) as Record<string, unknown>);
    expect(input.required).not.toContain('pinned');
    expect(output.required).toContain('pinned');
    const cpu = root(z.toJSONSchema(model.CpuSetting, { io: 'input' }) as Record<string, unknown>) as {
      properties: { min: { $ref?: string } };
    };
    expect(cpu.properties.min.$ref).toBe('#/$defs/CpuQuantity');
  });

  it('the Setting union is told apart by "type"', () => {
    const json = z.toJSONSchema(model.Setting) as { $defs: Record<string, { oneOf?: unknown[]; anyOf?: unknown[] }> };
    const union = json.$defs.Setting!;
    expect((union.oneOf ?? union.anyOf)!.length).toBe(2);
    const range = json.$defs.RangeSetting as { properties: { type: { const: string } } };
    expect(range.properties.type.const).toBe('range');
  });
});
