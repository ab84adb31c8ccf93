import { z } from 'zod';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { configSchemaOf } from '../../assembly/servo.js';
import { standardEvents } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { json } from '../output.js';
import { toJsonSchema } from '../../json-schema.js';
import { closest } from '../../assembly/config/suggest.js';

/**
 * `servo schema [NAME]`: the JSON Schema of an event (params and result), of a
 * connector's configuration, or of the whole servo.yaml.
 */
export default async function schema(ctx: CommandContext, name: string | undefined): Promise<void> {
  const haveConfig = existsSync(ctx.configFile);
  const servo = haveConfig ? await ctx.loadServo({ usesSecrets: false }) : undefined;
  const events = servo?.events ?? new Map(standardEvents.map((e) => [e.name, e]));
  const context = { events: [...events.keys()], configDir: dirname(ctx.configFile) };
  if (!name) {
    if (!servo) throw new UsageError(`no ${ctx.configFile}: name an event or connector type, or pass --config FILE`);
    // One zod object converted once, so shared definitions land in the root `$defs`
    // and sections are described as input (fields with defaults are optional).
    const shape: Record<string, z.ZodType> = {
      name: z.string().min(1).optional().describe('Name of the servo'),
      connectors: z
        .union([z.array(z.string()), z.record(z.string(), z.string())])
        .optional()
        .describe('Connector types to activate, or instance names mapped to connector types'),
    };
    for (const c of servo.connectors) shape[c.name] = configSchemaOf(c.definition, context).optional();
    return ctx.write(json(toJsonSchema(z.strictObject(shape).meta({ title: 'servo.yaml' }), 'input')));
  }
  const event = events.get(name);
  if (event) {
    return ctx.write(
      json({ event: event.name, description: event.description, params: toJsonSchema(event.params, 'input'), result: toJsonSchema(event.result) }),
    );
  }
  const instance = servo?.connectors.find((c) => c.name === name);
  if (instance) return ctx.write(json(toJsonSchema(configSchemaOf(instance.definition, context), 'input')));
  const { availableConnectors } = await import('../../assembly/load.js');
  const type = availableConnectors(dirname(ctx.configFile)).get(name);
  if (type) return ctx.write(json(toJsonSchema(configSchemaOf(await type.load(), context), 'input')));
  const match = closest(name, [...events.keys(), ...(servo?.connectors.map((c) => c.name) ?? [])]);
  const hint = match ? ` (did you mean "${match}"?)` : '';
  throw new UsageError(`"${name}" is neither an event nor a connector${hint}; events: ${[...events.keys()].join(', ')}`);
}
