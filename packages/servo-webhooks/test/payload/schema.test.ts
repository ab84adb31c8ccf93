import { describe, expect, it } from 'vitest';
import { defineEvent, type EventDefinition, standardEvents, z } from 'servo-core';
import { buildBodyJson, type BodyResult } from '../../src/payload/body.js';
import { EVENT_CONTENT_TYPE, SCHEMA_VERSION } from '../../src/payload/content-type.js';
import { bodySchema, JSON_SCHEMA_DIALECT, type JsonSchema } from '../../src/payload/schema.js';
import { jsonSchemaProblems } from '../helpers/json-schema.js';

/** Validates `json` (a body) against `schema` with ajv in strict mode, with formats. */
function validate(schema: JsonSchema, json: string): { ok: boolean; issues: string } {
  const problems = jsonSchemaProblems(schema, JSON.parse(json));
  return { ok: problems.length === 0, issues: problems.join('\n') };
}

function expectValid(schema: JsonSchema, json: string): void {
  const { ok, issues } = validate(schema, json);
  expect(issues).toBe('');
  expect(ok).toBe(true);
}

function expectInvalid(schema: JsonSchema, body: unknown): void {
  expect(validate(schema, JSON.stringify(body)).ok).toBe(false);
}

const createdAt = new Date('2025-03-01T12:00:00.000Z');

function body(event: EventDefinition, preposition: 'before' | 'after', params: unknown, results?: BodyResult[]): string {
  return buildBodyJson({
    id: 'msg_2Jx1',
    event: `${preposition}:${event.name}`,
    createdAt,
    servo: 'my-servo',
    webhook: 'store_measurements',
    params: event.params.parse(params),
    ...(results ? { results } : {}),
  });
}

// A measure-like event with a nested result and the types JSON cannot express directly.
const Metric = z.object({ name: z.string().min(1), unit: z.enum(['', 'rpm', 'ms']).default('') });
const fakeMeasure = defineEvent({
  name: 'fake_measure',
  description: 'A measure with nested readings',
  params: z.object({
    metrics: z.array(z.string()).optional(),
    duration_ms: z.number().int().nonnegative().default(0),
  }),
  result: z.object({
    readings: z.array(z.object({ metric: Metric, time: z.date(), value: z.number(), samples: z.bigint().optional() })),
    annotations: z.record(z.string(), z.string()).default({}),
    tags: z.set(z.string()).optional(),
    by_host: z.map(z.string(), z.number()).optional(),
  }),
});

describe('bodySchema', () => {
  it('describes the envelope: dialect, title, required fields, open objects (a new optional field breaks no receiver)', () => {
    const schema = bodySchema(fakeMeasure, 'after') as Record<string, any>;
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(schema.title).toBe('servo-webhooks/after:fake_measure');
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
    expect(schema.required).toEqual(['id', 'event', 'created_at', 'servo', 'webhook', 'schema_version', 'params', 'results']);
    expect(schema.properties.event).toEqual({ const: 'after:fake_measure' });
    expect(schema.properties.schema_version).toEqual({ const: SCHEMA_VERSION });
    expect(schema.properties.params.$schema).toBeUndefined();
    const before = bodySchema(fakeMeasure, 'before') as Record<string, any>;
    expect(before.properties.results).toMatchObject({ type: 'null' });
    expect(before.required).toContain('results');
    expect(EVENT_CONTENT_TYPE).toContain(`version=${SCHEMA_VERSION}`);
  });

  it('accepts bodies built for a nested, measure-like event (values and errors)', () => {
    const results: BodyResult[] = [
      {
        connector: 'prom',
        value: fakeMeasure.result.parse({
          readings: [
            { metric: { name: 'throughput', unit: 'rpm' }, time: new Date('2025-03-01T12:00:05Z'), value: 12.5, samples: 2n ** 70n },
            { metric: { name: 'latency' }, time: new Date('2025-03-01T12:00:06Z'), value: 3 },
          ],
          tags: new Set(['a', 'b']),
          by_host: new Map([['web-1', 1]]),
        }),
      },
      { connector: 'broken', error: Object.assign(new Error('no data'), { code: 'E_NODATA' }) },
      { connector: 'broken2', error: new TypeError('bad') },
    ];
    const schema = bodySchema(fakeMeasure, 'after');
    const json = body(fakeMeasure, 'after', { metrics: ['throughput'] }, results);
    expectValid(schema, json);
    expectValid(schema, body(fakeMeasure, 'after', {}, []));
    expectValid(bodySchema(fakeMeasure, 'before'), body(fakeMeasure, 'before', {}));
  });

  it('rejects bodies that do not match (the validator is not vacuous)', () => {
    const schema = bodySchema(fakeMeasure, 'after');
    const good = JSON.parse(body(fakeMeasure, 'after', { metrics: ['x'] }, [{ connector: 'c', value: { readings: [], annotations: {} } }]));
    expect(validate(schema, JSON.stringify(good)).ok).toBe(true);
    expectInvalid(schema, { ...good, event: 'before:fake_measure' });
    expectInvalid(schema, { ...good, schema_version: 2 });
    expectInvalid(schema, { ...good, created_at: 'yesterday' });
    // Fields added later validate against an older schema.
    for (const extended of [
      { ...good, extra: 1 },
      { ...good, servo: { name: 's', id: 1 } },
      { ...good, params: { ...good.params, unknown: true } },
    ]) {
      expect(validate(schema, JSON.stringify(extended)).ok).toBe(true);
    }
    // duration_ms has a default, so it is always in the (output) params. zod's reader applies the
    // `default` annotation instead of requiring the key, so check the schema itself.
    expect((schema as any).properties.params.required).toEqual(['duration_ms']);
    expectInvalid(schema, { ...good, results: undefined });
    expectInvalid(schema, { ...good, results: [{ connector: 'c', value: { readings: 'nope', annotations: {} } }] });
    expectInvalid(schema, { ...good, results: [{ connector: 'c', value: { readings: [], annotations: {} }, error: { type: 'E', message: 'm' } }] });
    expectInvalid(schema, { ...good, results: [{ connector: 'c' }] });
    const { results: _r, ...beforeBody } = { ...good, event: 'before:fake_measure' };
    expect(validate(bodySchema(fakeMeasure, 'before'), JSON.stringify({ ...beforeBody, results: null })).ok).toBe(true);
    expectInvalid(bodySchema(fakeMeasure, 'before'), beforeBody);
    expectInvalid(bodySchema(fakeMeasure, 'before'), { ...beforeBody, results: [] });
  });

  it('hoists $defs, renames clashing ones, and rewrites recursive ("#") references', () => {
    interface Tree {
      name: string;
      children: Tree[];
    }
    const Tree: z.ZodType<Tree> = z.object({
      name: z.string(),
      get children() {
        return z.array(Tree);
      },
    });
    const params = z.object({ thing: z.object({ a: z.number() }).meta({ id: 'ClashThing' }), tree: Tree });
    const result = z.object({ thing: z.object({ b: z.string() }).meta({ id: 'ClashThing' }) });
    const recursive = defineEvent({ name: 'recursive', description: 'r', params, result: Tree.or(result) });
    const schema = bodySchema(recursive, 'after') as Record<string, any>;
    const text = JSON.stringify(schema);
    // Every $ref points into the root $defs, and every target exists.
    const refs = [...text.matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith('#/$defs/')).toBe(true);
      expect(schema.$defs[ref.slice('#/$defs/'.length).replace(/~1/g, '/').replace(/~0/g, '~')]).toBeDefined();
    }
    expect(Object.keys(schema.$defs).filter((k) => k.includes('ClashThing'))).toHaveLength(2);

    const tree = { name: 'root', children: [{ name: 'leaf', children: [] }] };
    const json = buildBodyJson({
      id: 'm',
      event: 'after:recursive',
      createdAt,
      servo: 's',
      webhook: 'w',
      params: { thing: { a: 1 }, tree },
      results: [
        { connector: 'tree', value: tree },
        { connector: 'thing', value: { thing: { b: 'x' } } },
      ],
    });
    expectValid(schema, json);
    expectInvalid(schema, { ...JSON.parse(json), params: { thing: { b: 'x' }, tree } });
    expectInvalid(schema, { ...JSON.parse(json), params: { thing: { a: 1 }, tree: { name: 'r', children: [{ name: 1, children: [] }] } } });
  });
});

/** Inputs for each standard event: params (input form) and one handler value (input form). */
const STANDARD_SAMPLES: Record<string, { params: unknown; value: unknown }> = {
  attach: { params: { servo: 'my-servo' }, value: null },
  detach: { params: { servo: 'my-servo' }, value: null },
  startup: { params: {}, value: null },
  shutdown: { params: {}, value: null },
  promote: { params: {}, value: null },
  metrics: { params: {}, value: [{ name: 'throughput', unit: 'rpm' }, { name: 'latency' }] },
  components: {
    params: {},
    value: [
      {
        name: 'web',
        settings: [
          { name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.125, value: 1 },
          { name: 'inst', type: 'enum', values: ['m5.large', 'm5.xlarge'], value: 'm5.large' },
        ],
      },
    ],
  },
  check: {
    params: { halt_on: 'warning' },
    value: [{ name: 'prometheus answers', id: 'prom', success: false, message: 'down', created_at: '2025-03-01T12:00:00Z' }],
  },
  describe: {
    params: { control: { duration: '5m' } },
    value: { components: [{ name: 'web', settings: [] }], metrics: [{ name: 'throughput', unit: 'rpm' }] },
  },
  measure: {
    params: { metrics: ['throughput'], control: { duration: '5m', warmup: '30s', userdata: { run: 7 } } },
    value: {
      readings: [
        { metric: { name: 'throughput', unit: 'rpm' }, time: '2025-03-01T12:00:00Z', value: 1200 },
        { metric: { name: 'throughput', unit: 'rpm' }, time: '2025-03-01T12:01:00Z', value: 1250.5 },
      ],
      annotations: { source: 'prometheus' },
    },
  },
  adjust: {
    params: { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 2 }], control: {} },
    value: { components: [{ name: 'web', settings: [{ name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.125, value: 2 }] }] },
  },
};

describe('bodySchema for every standard event (packages/servo/src/events/standard.ts)', () => {
  it('has a sample for each standard event', () => {
    expect(standardEvents.length).toBeGreaterThan(0);
    for (const event of standardEvents) expect(STANDARD_SAMPLES, `no sample for "${event.name}"`).toHaveProperty(event.name);
  });

  for (const event of standardEvents) {
    it(`${event.name}: before and after bodies validate`, () => {
      const sample = STANDARD_SAMPLES[event.name];
      if (!sample) throw new Error(`no sample for standard event "${event.name}"`);
      const value = event.result.parse(sample.value);
      expectValid(bodySchema(event, 'before'), body(event, 'before', sample.params));
      const results: BodyResult[] = [
        { connector: 'first', value },
        { connector: 'second', error: Object.assign(new Error('boom'), { code: 'E_BOOM' }) },
      ];
      const afterSchema = bodySchema(event, 'after');
      expectValid(afterSchema, body(event, 'after', sample.params, results));
      // A value of the wrong shape is caught (every standard result rejects a bare string).
      expectInvalid(afterSchema, { ...JSON.parse(body(event, 'after', sample.params, [])), results: [{ connector: 'x', value: 'oops' }] });
    });
  }
});
