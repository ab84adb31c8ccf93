/**
 * Small connector definitions for the config loader tests: strict zod
 * objects, one with a schema function that validates event references.
 */
import { z } from 'zod';
import { defineConnector, type ConnectorDefinition } from '../../src/connector/connector.js';
import { defineEvent } from '../../src/events/event.js';

/** Go-style durations (`300ms`, `5m`, `2h45m`) or seconds as a number: a local stand-in for the model's schema. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|mm|m|h|d|w|y))+$/;
export const duration = z.union([z.number().nonnegative(), z.string()]).superRefine((value, ctx) => {
  if (typeof value === 'string' && !DURATION.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a duration such as "300ms", "5m" or "2h45m"',
      params: { hint: 'write a number followed by a unit (ns, us, ms, s, m, h, d, w), or a number of seconds' },
    });
  }
});

const metadata = { version: '1.0.0', description: 'test connector', maturity: 'experimental' } as const;

export const metrics = defineConnector({
  type: 'metrics',
  metadata,
  config: z.strictObject({
    url: z.string(),
    interval: duration.default('1m'),
    port: z.number().default(9090),
    tags: z.array(z.string()).default([]),
    mode: z.enum(['fast', 'safe']).default('safe'),
  }),
  setup() {},
});

export const deploy = defineEvent({ name: 'deploy', description: 'A release went out', params: z.object({}), result: z.null() });

/** Its config schema depends on the assembly's events, like the webhooks connector's. */
export const notify = defineConnector({
  type: 'notify',
  metadata,
  events: [deploy],
  secretFields: ['signing'],
  config: (ctx: { readonly events: readonly string[] }) =>
    z.strictObject({
      hooks: z
        .array(
          z.strictObject({
            url: z.url(),
            events: z.array(z.enum(ctx.events.flatMap((e) => [`before:${e}`, `after:${e}`]))).min(1),
            secret: z.string().min(8).optional(),
            signing: z.string().optional(),
            timeout: duration.default('5s'),
          }),
        )
        .default([]),
      retries: z.int().min(0).default(3),
      enabled: z.boolean().default(true),
      token: z.string().optional(),
    }),
  setup() {},
});

export const scripts = defineConnector({
  type: 'scripts',
  metadata,
  config: z.strictObject({ measure: z.string().optional(), describe: z.string().optional() }),
  setup() {},
});

export const STANDARD_EVENTS = ['startup', 'shutdown', 'describe', 'measure', 'adjust'] as const;

/** Options for loadConfig/parseConfigText with the fakes; `resolved` records each type asked for. */
export function fakeOptions(env: Record<string, string | undefined> = {}) {
  const registry = new Map<string, ConnectorDefinition>([
    ['metrics', metrics],
    ['notify', notify],
    ['scripts', scripts],
  ]);
  const resolved: string[] = [];
  return {
    env,
    resolved,
    standardEvents: STANDARD_EVENTS,
    availableTypes: () => [...registry.keys()],
    resolveType: async (type: string) => {
      resolved.push(type);
      return registry.get(type);
    },
  };
}
