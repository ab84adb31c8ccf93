import { z } from 'zod';

/**
 * JSON Schema of a zod schema, as `servo schema` prints it.
 *
 * A schema whose shape zod cannot see (e.g. a transform that picks between
 * two forms) may carry `meta({ jsonSchema: () => ({ ... }) })`: the function
 * is called only here, so its cost is not paid when configuration loads.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override(ctx) {
      const custom = (z.globalRegistry.get(ctx.zodSchema as unknown as z.ZodType) as { jsonSchema?: unknown } | undefined)?.jsonSchema;
      const js = ctx.jsonSchema as Record<string, unknown>;
      delete js.jsonSchema;
      if (typeof custom === 'function') {
        for (const key of Object.keys(js)) if (key !== 'description' && key !== 'title') delete js[key];
        Object.assign(js, custom());
      }
    },
  }) as Record<string, unknown>;
}
