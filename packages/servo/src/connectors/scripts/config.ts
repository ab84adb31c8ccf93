import { z } from 'zod';
import type { ConfigSchemaContext } from '../../connector/connector.js';
import { parseDuration } from '../../model/duration.js';

/** One command line, or several run in order. */
export type Commands = string | readonly string[];

/** The `scripts` section of `servo.yaml`, defaults applied. */
export interface ScriptsConfig {
  /** Per-command timeout: a duration string (`30s`, `1m30s`, `500ms`) or seconds. Default `30s`. */
  readonly timeout: string | number;
  /** Shell that runs each command as `<shell> -c <command>`. Default `/bin/sh`. */
  readonly shell: string;
  /** Working folder of the commands, relative to servo.yaml; default the folder of servo.yaml at setup. */
  readonly cwd?: string | undefined;
  /** Commands run before an event, by event name; exit 100 cancels the event. */
  readonly before: Readonly<Partial<Record<string, Commands>>>;
  /** Commands answering an event, by event name; their JSON stdout is the result. */
  readonly on: Readonly<Partial<Record<string, Commands>>>;
  /** Commands run after an event, by event name, with the results on stdin. */
  readonly after: Readonly<Partial<Record<string, Commands>>>;
}

/**
 * A timeout in milliseconds from a duration (`300ms`, `1m30s`, `.5s`) or a
 * number of seconds; `undefined` when invalid or under 1 ms.
 */
export function parseTimeout(value: string | number): number | undefined {
  try {
    const ms = parseDuration(value);
    return ms >= 1 ? Math.round(ms) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the strict schema of the `scripts` section: only known event names
 * may appear under `before`, `on` and `after`.
 */
export function scriptsConfigSchema(ctx: ConfigSchemaContext): z.ZodType<ScriptsConfig> {
  const known = ctx.events.length ? ctx.events.join(', ') : '(none)';
  const command = z.string().trim().min(1, { error: 'a command must not be empty' });
  const commands = z.union([command, z.array(command).min(1, { error: 'list at least one command' })], {
    error: 'expected a command or a list of commands',
  });
  const byEvent = (preposition: string) =>
    z
      .partialRecord(z.enum(ctx.events as [string, ...string[]]), commands, {
        error: (iss) => unknownKeys(iss, (keys) => `unknown event ${keys} under "${preposition}"; known events: ${known}`),
      })
      .default({})
      .describe(`Commands run ${preposition === 'on' ? 'to answer' : preposition} an event, by event name`);

  return z.strictObject(
    {
      timeout: z
        .union([z.string(), z.number()])
        .refine((v) => parseTimeout(v) !== undefined, {
          error: 'expected a positive duration such as "30s", "1m30s", "500ms", or a number of seconds',
        })
        .default('30s')
        .describe('Per-command timeout: a duration string or seconds'),
      shell: z.string().min(1).default('/bin/sh').describe('Shell that runs each command as `<shell> -c <command>`'),
      cwd: z.string().min(1).optional().describe('Working folder of the commands, relative to servo.yaml; default the folder of servo.yaml'),
      before: byEvent('before'),
      on: byEvent('on'),
      after: byEvent('after'),
    },
    {
      error: (iss) => unknownKeys(iss, (keys) => `unknown field ${keys}; known fields: timeout, shell, cwd, before, on, after`),
    },
  ) as z.ZodType<ScriptsConfig>;
}

// zod reports extra keys of strict objects and enum-keyed records as `unrecognized_keys`.
function unknownKeys(issue: { code?: string }, message: (keys: string) => string): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const keys = (issue as { keys?: readonly string[] }).keys ?? [];
  return message(keys.map((k) => JSON.stringify(k)).join(', '));
}
