import { existsSync } from 'node:fs';
import { standardEvents, type CliContext, type EventDefinition } from 'servo-core';
import { formatJson } from 'servo-core/cli';
import { bodySchema } from '../payload/schema.js';
import { EVENT_CONTENT_TYPE } from '../payload/content-type.js';
import { outputOf, parseEventRef, write } from './common.js';

/** `servo webhooks schema before:EVENT|after:EVENT` */
export async function schema(ctx: CliContext, ref: string): Promise<void> {
  const events = await knownEvents(ctx, false);
  const { preposition, event } = parseEventRef(ref, events);
  const body = bodySchema(event, preposition);
  if (outputOf(ctx) === 'json') return write(ctx, formatJson({ content_type: EVENT_CONTENT_TYPE, schema: body }));
  write(ctx, `Content-Type: ${EVENT_CONTENT_TYPE}\n\n${formatJson(body)}`);
}

/**
 * The assembly's events when there is a servo.yaml, else the standard ones.
 * `usesSecrets: false` for a command that never signs (an unset secret is then only noted).
 */
export async function knownEvents(ctx: CliContext, usesSecrets = true): Promise<ReadonlyMap<string, EventDefinition>> {
  if (existsSync(ctx.configFile)) return (await ctx.loadServo({ usesSecrets })).events;
  return new Map(standardEvents.map((e) => [e.name, e]));
}
