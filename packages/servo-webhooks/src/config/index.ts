import { resolve } from 'node:path';
import { REDACTED, compileSelector, isValidChannelName, model, z } from 'servo-core';
import { didYouMean } from 'servo-core/cli';
import { displayUrl } from '../url.js';
import { checkSecrets, secretSchema, signingKeySchema } from './secrets.js';
import { DELIVERY_DEFAULTS } from '../defaults.js';
import { responseCycles } from './cycles.js';
import { boundedDuration } from './limits.js';
import { checkUrlAndHeaders } from './checks.js';
import { inputFileProblem } from '../files.js';
import { listOf, webhookName, wireField, wireOf } from './compat.js';
import type { Wire } from '../payload/content-type.js';
import { compileMatch, type MatchCondition } from './match.js';
import { DEFAULTS, encodeHistory, historyOf, settingsShape, type HistorySetting } from './settings.js';

/**
 * Configuration of the webhooks connector.
 *
 * The section is either a plain list of webhooks, or a mapping that
 * adds connector-level delivery settings beside the list:
 *
 * ```yaml
 * webhooks:                     # plain list
 *   - url: https://example.com/hook
 *     secret: ${HOOK_SECRET}
 *     events: after:measure
 *
 * webhooks:                     # with delivery settings
 *   store: sqlite:./webhooks.db
 *   drain_timeout: 30s
 *   webhooks:
 *     - url: https://example.com/hook
 *       ...
 * ```
 * @module
 */

// Compiled here so a bad selector is a located config error, not a failure of every command at setup.
const CHANNEL_SELECTOR = z
  .string()
  .min(1, 'a channel selector cannot be empty')
  .superRefine((selector, ctx) => {
    try {
      compileSelector(selector);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const CHANNEL_NAME = z.string().refine(isValidChannelName, 'expected a channel name: 1-128 letters, digits, ".", "-", "_" or "/"');

/** `before:measure` split into its parts. */
export interface EventSubscription {
  readonly preposition: 'before' | 'after';
  readonly event: string;
}

/** One webhook, normalised. */
export interface WebhookConfig {
  readonly name: string;
  readonly description?: string | undefined;
  /** Events it fires for (`before:X` / `after:X`). */
  readonly events: readonly EventSubscription[];
  /** Pub/sub channel selectors whose messages it POSTs. */
  readonly channels: readonly string[];
  /** Channel that 2xx response bodies are published to. */
  readonly responseChannel?: string | undefined;
  readonly url: string;
  /** The secret that signs `x-servo-signature`: the first of {@link secrets}. */
  readonly secret: string;
  /** Every secret, first included (rotation: each adds a `v1` entry to `webhook-signature`). */
  readonly secrets: readonly string[];
  /** `whsk_` ed25519 key adding a `v1a` signature. */
  readonly signingKey?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Retries, or `false` for a single attempt. */
  readonly retry: { readonly maxTries: number; readonly maxTimeMs: number } | false;
  /** Bound of one attempt. */
  readonly timeoutMs: number;
  /** Before-webhooks: what happens when the webhook cannot answer. */
  readonly failurePolicy: 'ignore' | 'fail';
  /** Before-webhooks: the longest an event waits for this webhook, retries included. */
  readonly deadlineMs: number;
  /** Layout and content type of its bodies (`legacy`: as servo-webhooks 0.3 sent them). */
  readonly wire: Wire;
  /** When it applies (`match:`, a CEL expression); absent: always. */
  readonly match?: MatchCondition | undefined;
}

/** Connector-level delivery settings. */
export interface DeliverySettings {
  /** `memory`, or `sqlite:PATH` for durable, resumable deliveries. */
  readonly store: { readonly kind: 'memory' } | { readonly kind: 'sqlite' /** As written. */; readonly path: string /** Absolute. */; readonly file: string };
  readonly maxQueue: number;
  readonly drainTimeoutMs: number;
  /** sqlite store: how long the rows of a process that died stay its own before another process takes them over. */
  readonly leaseMs: number;
  readonly concurrency: number;
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  readonly retryFloorMs: number;
  readonly http2: boolean;
  readonly caFile?: string | undefined;
  readonly bodyCap: number;
  /** The deliveries page's history of attempts (kept only when `servo run` serves its HTTP endpoint), or `false`. */
  readonly history: HistorySetting;
}

/** The whole section, normalised. */
export interface WebhooksConfig {
  readonly webhooks: readonly WebhookConfig[];
  readonly settings: DeliverySettings;
}

const D = DELIVERY_DEFAULTS;

export { DEFAULTS } from './settings.js';

function webhookSchema(events: readonly string[]) {
  const choices = events.flatMap((e) => [`before:${e}`, `after:${e}`]);
  const eventRef = z.string().refine((v) => choices.includes(v), {
    error: (issue) => {
      const v = String(issue.input);
      const m = /^(\w+):(.*)$/.exec(v);
      const hint = didYouMean(v, choices, '');
      const why =
        m && m[1] === 'on'
          ? '`on:` is not supported: webhooks fire before or after an event'
          : m && !['before', 'after'].includes(m[1]!.toLowerCase())
            ? `unknown preposition "${m[1]}"`
            : m && choices.includes(v.toLowerCase())
              ? `wrong case, write "${v.toLowerCase()}"`
              : m
                ? `unknown event "${m[2]}"${hint ? ` (${hint})` : ''}`
                : 'expected the form (before|after):EVENT';
      return `${why}; expected one of: ${choices.join(', ')}`;
    },
  });
  const header = z.strictObject({ name: z.string().min(1), value: z.string() });
  return z
    .strictObject({
      name: webhookName(),
      description: z.string().optional(),
      events: z.union([eventRef, z.array(eventRef).min(1, 'list at least one event, or leave `events` out')]).optional(),
      channels: z.union([CHANNEL_SELECTOR, z.array(CHANNEL_SELECTOR)]).optional(),
      response_channel: CHANNEL_NAME.nullish(),
      url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
      secret: secretSchema(),
      signing_key: signingKeySchema(),
      headers: z.union([z.record(z.string(), z.string()), z.array(header)]).optional(),
      backoff: z
        .union([
          z.literal(false),
          z.strictObject({
            max_tries: z.int().min(1, 'max_tries counts the first attempt: at least 1').max(100).default(DEFAULTS.backoff.max_tries),
            max_time: boundedDuration(DEFAULTS.backoff.max_time, 'max_time'),
          }),
        ])
        .optional(),
      timeout: boundedDuration(DEFAULTS.timeout, 'timeout'),
      failure_policy: z.enum(['ignore', 'fail']).optional(),
      deadline: boundedDuration(DEFAULTS.deadline, 'deadline'),
      wire: wireField(),
      match: z.string().trim().min(1, 'match cannot be empty: write a CEL condition, or leave match out').optional(),
    })
    .superRefine((w, ctx) => {
      // A malformed `whsec_` key would fail every request at signing time: reject it here.
      checkSecrets(w, ctx);
      if (!w.events && listOf(w.channels).length === 0) {
        ctx.addIssue({ code: 'custom', message: 'a webhook needs `events` (e.g. after:measure) or `channels`', path: [] });
      }
      if (w.failure_policy !== undefined && !(Array.isArray(w.events) ? w.events : [w.events]).some((e) => e?.startsWith('before:'))) {
        ctx.addIssue({
          code: 'custom',
          message: 'failure_policy applies to before: events only (a gate that cannot answer); this webhook has none: remove failure_policy',
          path: ['failure_policy'],
        });
      }
      if (w.response_channel && w.channels) {
        // Its own answers would be POSTed back to it, forever.
        const selectors = Array.isArray(w.channels) ? w.channels : [w.channels];
        const loop = selectors.find((sel) => {
          try {
            return compileSelector(sel).matches(w.response_channel!);
          } catch {
            return false; // reported by the selector's own check
          }
        });
        if (loop !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `response_channel "${w.response_channel}" matches this webhook's own channel selector "${loop}", so each answer would be sent back to it`,
            path: ['response_channel'],
          });
        }
      }
      checkUrlAndHeaders(w, ctx);
    });
}

/**
 * The zod schema of the section, for the assembly's events. Validates either
 * form and normalises to {@link WebhooksConfig}.
 */
export function configSchema(ctx: { events: readonly string[]; configDir?: string }): z.ZodType<WebhooksConfig> {
  const configDir = ctx.configDir ?? process.cwd();
  const list = z.array(webhookSchema(ctx.events));
  const full = z.strictObject({ ...settingsShape(), webhooks: list.default([]) });
  // The outer shape only tells the two forms apart (and names the mapping's
  // fields, for SERVO_WEBHOOKS_<FIELD> overrides); the transform validates the
  // chosen form, so errors point into it instead of a vague "invalid union".
  const shape = z.union([z.array(z.unknown()), z.looseObject(Object.fromEntries(Object.keys(full.shape).map((k) => [k, z.unknown().optional()])))]);
  return shape
    .transform((input, zctx) => {
      const target = Array.isArray(input) ? list : full;
      const r = (target as z.ZodType).safeParse(input);
      if (!r.success) {
        for (const issue of r.error.issues) zctx.addIssue({ ...(issue as any), path: issue.path });
        return z.NEVER;
      }
      const raw = Array.isArray(input) ? { ...full.parse({}), webhooks: r.data } : r.data;
      return normalise(raw as z.output<typeof full>, zctx, Array.isArray(input), configDir);
    })
    .meta({
      description: 'A list of webhooks, or a mapping of delivery settings with the list under `webhooks`',
      // Computed only when a JSON Schema is printed (servo schema), not at every load.
      jsonSchema: () => ({
        anyOf: [list, full].map((form) => {
          const { $schema: _, ...rest } = z.toJSONSchema(form, { io: 'input', unrepresentable: 'any' });
          return rest;
        }),
      }),
    }) as unknown as z.ZodType<WebhooksConfig>;
}

function normalise(raw: any, zctx: z.RefinementCtx, isList: boolean, configDir: string): WebhooksConfig {
  const seen = new Map<string, number>();
  const webhooks: WebhookConfig[] = raw.webhooks.map((w: any, i: number): WebhookConfig => {
    const name = w.name ?? `webhook_${i + 1}`;
    // Generated names count too: the delivery engine keys endpoints by name, so a clash would merge two webhooks.
    if (seen.has(name)) {
      const given = w.name === undefined ? ' (the name given to this unnamed entry; name it)' : '';
      zctx.addIssue({
        code: 'custom',
        message: `duplicate webhook name "${name}"${given} (also used by entry ${seen.get(name)! + 1})`,
        path: isList ? [i, 'name'] : ['webhooks', i, 'name'],
      });
    }
    seen.set(name, i);
    const events = w.events === undefined ? [] : Array.isArray(w.events) ? w.events : [w.events];
    const headers: Record<string, string> = Array.isArray(w.headers)
      ? Object.fromEntries(w.headers.map((h: { name: string; value: string }) => [h.name, h.value]))
      : { ...(w.headers ?? {}) };
    return {
      name,
      description: w.description,
      events: [...new Set<string>(events)].map((e) => {
        const [preposition, event] = e.split(':') as ['before' | 'after', string];
        return { preposition, event };
      }),
      channels: listOf(w.channels),
      responseChannel: w.response_channel ?? undefined,
      url: w.url,
      secret: typeof w.secret === 'string' ? w.secret : w.secret[0]!,
      secrets: typeof w.secret === 'string' ? [w.secret] : [...w.secret],
      ...(w.signing_key === undefined ? {} : { signingKey: w.signing_key }),
      headers,
      retry: w.backoff === false ? false : { maxTries: w.backoff?.max_tries ?? D.maxTries, maxTimeMs: w.backoff?.max_time ?? D.maxTimeMs },
      timeoutMs: w.timeout,
      failurePolicy: w.failure_policy ?? D.failurePolicy,
      deadlineMs: w.deadline,
      wire: wireOf(w),
      ...(w.match === undefined ? {} : { match: matchOf(w.match, zctx, isList ? [i, 'match'] : ['webhooks', i, 'match']) }),
    };
  });
  for (const cycle of responseCycles(webhooks)) {
    const names = cycle.map((i) => webhooks[i]!);
    const text = [...names, names[0]!].map((w, k) => (k ? `-> "${w.name}"` : `"${w.name}"`) + (k < names.length ? ` -> ${w.responseChannel}` : '')).join(' ');
    // One located error per webhook of the cycle, so each one's line is named.
    for (const i of cycle) {
      const message = `response_channel cycle: ${text}; each answer would be posted around it forever`;
      zctx.addIssue({ code: 'custom', message, path: isList ? [i, 'response_channel'] : ['webhooks', i, 'response_channel'] });
    }
  }
  // Relative paths resolve against the folder of servo.yaml, wherever servo runs from.
  const sqlitePath = String(raw.store).slice('sqlite:'.length);
  const store = raw.store === 'memory' ? ({ kind: 'memory' } as const) : ({ kind: 'sqlite', path: sqlitePath, file: resolve(configDir, sqlitePath) } as const);
  const caFile = raw.ca_file === undefined ? undefined : resolve(configDir, raw.ca_file);
  const caProblem = caFile === undefined ? undefined : inputFileProblem(caFile);
  if (caProblem !== undefined) {
    zctx.addIssue({
      code: 'custom',
      message: `CA file ${caFile} ${caProblem}`,
      path: isList ? [] : ['ca_file'],
      params: { hint: 'give the path of a PEM file, relative to servo.yaml' },
    });
  }
  return {
    webhooks,
    settings: {
      store,
      maxQueue: raw.max_queue,
      drainTimeoutMs: raw.drain_timeout,
      leaseMs: raw.lease,
      concurrency: raw.concurrency,
      breaker: { failures: raw.breaker.failures, cooldownMs: raw.breaker.cooldown },
      retryFloorMs: raw.retry_floor,
      http2: raw.http2,
      caFile,
      bodyCap: raw.body_cap,
      history: historyOf(raw.history),
    },
  };
}

/**
 * A validated configuration in the form it is written in servo.yaml (mapping
 * form, every default spelled out), for `servo config`: URL credentials and
 * header values are masked here, secrets by the core's redaction.
 */
export function encodeConfig(config: WebhooksConfig): unknown {
  const d = model.formatDuration;
  const s = config.settings;
  return {
    store: s.store.kind === 'memory' ? 'memory' : `sqlite:${s.store.path}`,
    max_queue: s.maxQueue,
    drain_timeout: d(s.drainTimeoutMs),
    lease: d(s.leaseMs),
    concurrency: s.concurrency,
    breaker: { failures: s.breaker.failures, cooldown: d(s.breaker.cooldownMs) },
    retry_floor: d(s.retryFloorMs),
    http2: s.http2,
    ...(s.caFile ? { ca_file: s.caFile } : {}),
    body_cap: s.bodyCap,
    history: encodeHistory(s.history),
    webhooks: config.webhooks.map((w) => ({
      name: w.name,
      ...(w.description ? { description: w.description } : {}),
      ...(w.events.length ? { events: w.events.map((e) => `${e.preposition}:${e.event}`) } : {}),
      ...(w.channels.length ? { channels: [...w.channels] } : {}),
      ...(w.responseChannel ? { response_channel: w.responseChannel } : {}),
      url: displayUrl(w.url),
      secret: w.secrets.length > 1 ? [...w.secrets] : w.secret,
      ...(w.signingKey ? { signing_key: w.signingKey } : {}),
      // Header values often carry credentials; their names are enough to check the setup.
      headers: Object.fromEntries(Object.keys(w.headers).map((k) => [k, REDACTED])),
      backoff: w.retry === false ? false : { max_tries: w.retry.maxTries, max_time: d(w.retry.maxTimeMs) },
      timeout: d(w.timeoutMs),
      ...(w.events.some((e) => e.preposition === 'before') ? { failure_policy: w.failurePolicy } : {}),
      deadline: d(w.deadlineMs),
      ...(w.wire === 'legacy' ? { wire: w.wire } : {}),
      ...(w.match ? { match: w.match.source } : {}),
    })),
  };
}

/** The compiled `match` expression, or a located issue (and undefined) when it does not compile. */
function matchOf(source: string, zctx: z.RefinementCtx, path: (string | number)[]): MatchCondition | undefined {
  try {
    return compileMatch(source);
  } catch (err) {
    zctx.addIssue({ code: 'custom', message: (err as Error).message, path });
    return undefined;
  }
}
