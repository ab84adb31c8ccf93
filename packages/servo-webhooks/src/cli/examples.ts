import { z } from 'servo-core';
import type { EventDefinition } from 'servo-core';

const NOW = '2026-01-01T00:00:00Z';
const CONTROL = { duration: '5m', delay: '0s', warmup: '0s' };
const DESCRIPTION = {
  components: [
    {
      name: 'web',
      settings: [
        { name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.25, value: 1, unit: 'cores', pinned: false },
        { name: 'replicas', type: 'range', min: 1, max: 10, step: 1, value: 2, pinned: false },
      ],
    },
  ],
  metrics: [{ name: 'throughput', unit: 'rps' }],
};

/** Representative parameters and result for the standard events. */
const STANDARD: Record<string, { params: unknown; result: unknown }> = {
  measure: {
    params: { metrics: ['throughput', 'latency_p99'], control: CONTROL },
    result: {
      readings: [
        { metric: { name: 'throughput', unit: 'rps' }, time: NOW, value: 1234.5 },
        { metric: { name: 'latency_p99', unit: 'ms' }, time: NOW, value: 87 },
      ],
      annotations: {},
    },
  },
  adjust: {
    params: { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1.5 }], control: CONTROL },
    result: DESCRIPTION,
  },
  describe: { params: { control: CONTROL }, result: DESCRIPTION },
  metrics: { params: {}, result: DESCRIPTION.metrics },
  components: { params: {}, result: DESCRIPTION.components },
  check: {
    params: { halt_on: 'critical' },
    result: [
      {
        name: 'Prometheus answers',
        id: 'prometheus_answers',
        description: 'Prometheus answers at its URL',
        severity: 'critical',
        tags: [],
        success: true,
        message: 'HTTP 200',
        hint: null,
        created_at: NOW,
        run_at: NOW,
      },
    ],
  },
  startup: { params: {}, result: null },
  shutdown: { params: {}, result: null },
  promote: { params: {}, result: null },
  attach: { params: { servo: 'my-servo' }, result: null },
  detach: { params: { servo: 'my-servo' }, result: null },
};

/**
 * Parameters and a result that validate against `event`'s schemas: hand-made
 * for the standard events, derived from the JSON Schema for the others.
 */
export function exampleFor(event: EventDefinition): { params: unknown; result: unknown } {
  const known = STANDARD[event.name];
  if (known && event.params.safeParse(known.params).success) return known;
  return {
    params: fromSchema(z.toJSONSchema(event.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema) ?? {},
    result: fromSchema(z.toJSONSchema(event.result, { io: 'output', unrepresentable: 'any' }) as JsonSchema) ?? null,
  };
}

type JsonSchema = { [k: string]: any };

/** A value matching a JSON Schema: examples, defaults, enums, then by type. */
function fromSchema(schema: JsonSchema, root: JsonSchema = schema, depth = 0): unknown {
  if (depth > 8 || !schema || typeof schema !== 'object') return null;
  if (schema.$ref) {
    const key = String(schema.$ref).replace(/^#\/(\$defs|definitions)\//, '');
    return fromSchema(root.$defs?.[key] ?? root.definitions?.[key] ?? {}, root, depth + 1);
  }
  if (schema.examples?.length) return schema.examples[0];
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt?.length) return fromSchema(alt.find((s: JsonSchema) => s.type !== 'null') ?? alt[0], root, depth + 1);
  if (schema.allOf?.length) return fromSchema(schema.allOf[0], root, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<JsonSchema>(schema.properties ?? {})) out[k] = fromSchema(v, root, depth + 1);
      return out;
    }
    case 'array':
      return schema.items ? [fromSchema(schema.items, root, depth + 1)] : [];
    case 'string':
      return schema.format === 'date-time' ? NOW : 'example';
    case 'integer':
      return schema.minimum ?? 1;
    case 'number':
      return schema.minimum ?? 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}
