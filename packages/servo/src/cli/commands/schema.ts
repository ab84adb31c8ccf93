import { z } from 'zod';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { configSchemaOf } from '../../assembly/servo.js';
import { standardEvents } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { json } from '../output.js';

/**
 * `servo schema [NAME]`: the JSON Schema of an event (params and result), of a
 * connector's configuration, or of the whole servo.yaml.
 */
export default async function schema(ctx: CommandContext, name: string | undefined): Promise<void> {
  const haveConfig = existsSync(ctx.configFile);
  const servo = haveConfig ? await ctx.loadServo() : undefined;
  const events = servo?.events ?? new Map(standardEvents.map((e) => [e.name, e]));
  const context = { events: [...events.keys()] };
  if (!name) {
    if (!servo) throw new UsageError(`no ${ctx.configFile}: name an event or connector type, or pass --config FILE`);
    const properties: Record<string, unknown> = {};
    for (const c of servo.connectors) properties[c.name] = toJson(configSchemaOf(c.definition, context));
    return ctx.write(json({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'servo.yaml', type: 'object', properties, additionalProperties: false }));
  }
  const event = events.get(name);
  if (event) {
    return ctx.write(json({ event: event.name, description: event.description, params: toJson(event.params, 'input'), result: toJson(event.result) }));
  }
  const instance = servo?.connectors.find((c) => c.name === name);
  if (instance) return ctx.write(json(toJson(configSchemaOf(instance.definition, context), 'input')));
  const { availableConnectors } = await import('../../assembly/load.js');
  const type = availableConnectors(dirname(ctx.configFile)).get(name);
  if (type) return ctx.write(json(toJson(configSchemaOf(await type.load(), context), 'input')));
  throw new UsageError(`"${name}" is neither an event nor a connector; events: ${[...events.keys()].join(', ')}`);
}

function toJson(schema: z.ZodType, io: 'input' | 'output' = 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
}
