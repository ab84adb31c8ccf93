import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { ParamsInputOf, ParamsOf, ResultOf } from '../../src/events/event.js';
import { HandlerRegistry } from '../../src/events/handlers.js';
import * as events from '../../src/events/standard.js';
import { standardEvents } from '../../src/events/standard.js';
import type { Check, Description, Measurement, Metric } from '../../src/model/index.js';

const NAMES = ['attach', 'detach', 'startup', 'shutdown', 'metrics', 'components', 'check', 'describe', 'measure', 'adjust', 'promote'];

describe('standard events', () => {
  it('are exported by name and listed in lifecycle order', () => {
    expect(standardEvents.map((e) => e.name)).toEqual(NAMES);
    for (const name of NAMES) expect((events as Record<string, unknown>)[name]).toBe(standardEvents[NAMES.indexOf(name)]);
    expect(Object.isFrozen(standardEvents)).toBe(true);
  });

  it('each have a one-line description', () => {
    for (const e of standardEvents) expect(e.description).toMatch(/^[A-Z][^\n]{5,80}$/);
  });

  it('fill in defaults for handlers: control, halt_on', () => {
    expect(events.describe.params.parse({})).toEqual({ control: { duration: '0s', delay: '0s', warmup: '0s' } });
    expect(events.check.params.parse({})).toEqual({ halt_on: 'critical' });
    expect(events.measure.params.parse({ metrics: ['throughput'], control: { duration: '300s', warmup: 30 } })).toEqual({
      metrics: ['throughput'],
      control: { duration: '5m', delay: '0s', warmup: '30s' },
    });
    expect(events.check.params.parse({ matching: { name: 'a', tags: ['net'] }, halt_on: 'warning' })).toEqual({
      matching: { name: 'a', tags: ['net'] },
      halt_on: 'warning',
    });
  });

  it.each<[string, z.ZodType, unknown, (string | number)[], RegExp]>([
    ['attach without servo', events.attach.params, {}, ['servo'], /string/],
    ['adjust with no adjustments', events.adjust.params, { adjustments: [] }, ['adjustments'], /at least 1|>=1/],
    [
      'adjust with a bad adjustment',
      events.adjust.params,
      { adjustments: [{ component_name: 'web', value: 1 }] },
      ['adjustments', 0, 'setting_name'],
      /string/,
    ],
    ['check with an unknown severity', events.check.params, { halt_on: 'fatal' }, ['halt_on'], /critical/],
    ['measure with a bad duration', events.measure.params, { control: { duration: 'soon' } }, ['control', 'duration'], /expected a duration such as/],
  ])('reject %s', (_label, schema, input, path, message) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(path);
    expect(r.error!.issues[0]!.message).toMatch(message);
  });

  it('results of events that answer nothing accept null or nothing, and nothing else', () => {
    for (const e of [events.attach, events.detach, events.startup, events.shutdown, events.promote]) {
      expect(e.result.safeParse(null).success).toBe(true);
      expect(e.result.safeParse(undefined).success).toBe(true);
      expect(e.result.safeParse({}).success).toBe(false);
    }
  });

  it('results validate what handlers answer', () => {
    expect(events.metrics.result.parse([{ name: 'throughput', unit: 'rpm' }])).toEqual([{ name: 'throughput', unit: 'rpm' }]);
    expect(events.adjust.result.parse({})).toEqual({ components: [], metrics: [] });
    expect(events.measure.result.safeParse({ readings: 'none' }).success).toBe(false);
    expect(events.components.result.safeParse([{ settings: [] }]).success).toBe(false);
  });

  it('give handlers precise types', () => {
    expectTypeOf<ParamsOf<typeof events.describe>['control']['duration']>().toEqualTypeOf<string>();
    expectTypeOf<ParamsInputOf<typeof events.describe>>().toMatchTypeOf<{ control?: unknown }>();
    expectTypeOf<ParamsOf<typeof events.measure>['metrics']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<ResultOf<typeof events.metrics>>().toEqualTypeOf<Metric[]>();
    expectTypeOf<ResultOf<typeof events.check>>().toEqualTypeOf<Check[]>();
    expectTypeOf<ResultOf<typeof events.describe>>().toEqualTypeOf<Description>();
    expectTypeOf<ResultOf<typeof events.measure>>().toEqualTypeOf<Measurement>();
    // Handlers of events that answer nothing may return nothing, synchronously or not.
    const registry = new HandlerRegistry();
    registry.on(events.startup, () => {});
    registry.on(events.attach, async ({ servo }) => {
      expectTypeOf(servo).toEqualTypeOf<string>();
    });
    registry.on(events.adjust, ({ adjustments }) => ({ components: [], metrics: [], seen: adjustments.length }));
    expect(registry.get('startup', 'on')).toHaveLength(1);
  });
});

/** The schema a root `$ref` points at (zod emits named schemas into `$defs`). */
function root(schema: Record<string, unknown>): Record<string, unknown> {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = decodeURIComponent(ref.replace('#/$defs/', ''));
  return (schema.$defs as Record<string, Record<string, unknown>>)[name]!;
}

describe('JSON Schema of the standard events', () => {
  for (const io of ['input', 'output'] as const) {
    it.each(NAMES)(`%s: params and result convert (io: ${io})`, (name) => {
      const e = standardEvents.find((x) => x.name === name)!;
      const params = z.toJSONSchema(e.params, { io }) as Record<string, unknown>;
      expect(params.type).toBe('object');
      expect(params.properties).toBeTypeOf('object');
      const result = root(z.toJSONSchema(e.result, { io }) as Record<string, unknown>);
      expect(result).toBeTypeOf('object');
      expect(result.type ?? result.anyOf).toBeDefined();
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    });
  }

  it('describes parameters and results in terms a reader can follow', () => {
    const adjust = z.toJSONSchema(events.adjust.params, { io: 'input' }) as {
      required: string[];
      properties: Record<string, { default?: unknown }>;
      $defs: Record<string, { description?: string; properties?: Record<string, { default?: unknown; description?: string }> }>;
    };
    expect(adjust.required).toEqual(['adjustments']);
    expect(adjust.properties.control!.default).toEqual({});
    expect(adjust.$defs.Control!.properties!.duration).toMatchObject({ default: '0s', description: 'How long to measure' });
    expect(adjust.$defs.Adjustment!.description).toMatch(/new value/);
    expect(root(z.toJSONSchema(events.startup.result) as Record<string, unknown>)).toMatchObject({ type: 'null' });
    const checks = z.toJSONSchema(events.check.result) as { type: string; items: { $ref: string } };
    expect(checks.type).toBe('array');
    expect(checks.items.$ref).toBe('#/$defs/Check');
  });
});
