import { readFileSync } from 'node:fs';
import type { CliContext, EventDefinition } from 'servo-core';
import { ExitCodes, ExitError, UsageError, formatJson, terminalText } from 'servo-core/cli';
import { DEFAULTS, type WebhookConfig } from '../config/index.js';
import { newMessageId } from '../delivery/id.js';
import type { SendOutcome } from '../delivery/types.js';
import { decide } from '../gate/index.js';
import { buildBody } from '../payload/body.js';
import { contentTypeOf } from '../payload/content-type.js';
import { USER_AGENT } from '../version.js';
import { inputFileProblem } from '../files.js';
import { displayUrl, outputOf, parseEventRef, webhookInstances, write } from './common.js';
import { exampleFor } from './examples.js';
import { knownEvents } from './schema.js';

interface TriggerOptions {
  data?: string;
  secretEnv: string;
  connector?: string;
  /** Print the exact body sent (JSON: `sent_body`). */
  showBody?: boolean;
}

/**
 * `servo webhooks trigger EVENT [NAME|URL]`: one real, signed request per
 * target (no retries, so what you see is what the receiver answered).
 */
export async function trigger(ctx: CliContext, ref: string, target: string | undefined, opts: TriggerOptions): Promise<void> {
  const events = await knownEvents(ctx);
  const parsed = ref === 'ping' ? undefined : parseEventRef(ref, events);
  const { servoName, targets } = await resolveTargets(ctx, ref, target, opts);
  const data = opts.data ? readData(opts.data) : undefined;
  const { DeliveryEngine } = await import('../delivery/engine.js');
  const engine = new DeliveryEngine({
    endpoints: targets.map((w) => ({
      name: w.name,
      url: w.url,
      secret: w.secrets,
      signingKey: w.signingKey,
      headers: { ...w.headers },
      retry: false,
      timeoutMs: w.timeoutMs,
    })),
    userAgent: USER_AGENT,
  });
  const reports: Record<string, unknown>[] = [];
  try {
    const outcomes = await Promise.all(
      targets.map(async (w) => {
        const { id, body } = data ?? representative(servoName, w, ref, parsed?.event, parsed?.preposition);
        const outcome = await engine.send({ webhook: w.name, event: ref, body, contentType: contentTypeOf(w.wire), id }, { deadlineMs: w.timeoutMs });
        return { w, id, outcome, body };
      }),
    );
    for (const { w, id, outcome, body } of outcomes) {
      const r = report(w, id, ref, outcome, parsed?.preposition === 'before');
      if (opts.showBody) r.sent_body = Buffer.from(body).toString('utf8');
      reports.push(r);
    }
  } finally {
    await engine.close();
  }
  if (outputOf(ctx) === 'json') write(ctx, formatJson(reports));
  else for (const r of reports) write(ctx, render(r));
  const failed = reports.filter((r) => !r.ok).length;
  if (failed)
    throw new ExitError(ExitCodes.failed, `servo: ${failed} of ${reports.length} webhook request${reports.length === 1 ? '' : 's'} did not get a 2xx answer`);
}

async function resolveTargets(
  ctx: CliContext,
  ref: string,
  target: string | undefined,
  opts: TriggerOptions,
): Promise<{ servoName: string; targets: WebhookConfig[] }> {
  const servo = await ctx.loadServo().catch((err: unknown) => {
    if (target && /^https?:\/\//.test(target)) return undefined; // an ad-hoc URL needs no servo.yaml
    throw err;
  });
  const servoName = servo?.name ?? 'servo';
  const instances = servo ? webhookInstances(servo) : [];
  if (opts.connector && !instances.some((i) => i.name === opts.connector)) {
    throw new UsageError(`no webhooks connector named "${opts.connector}"; configured: ${instances.map((i) => i.name).join(', ') || 'none'}`);
  }
  const chosen = opts.connector ? instances.filter((i) => i.name === opts.connector) : instances;
  const all = chosen.flatMap((i) => i.config.webhooks);
  const found = (targets: WebhookConfig[]) => ({ servoName, targets });
  if (target && /^https?:\/\//.test(target)) {
    const configured = all.find((w) => w.url === target);
    if (configured) return found([configured]);
    const secret = ctx.env[opts.secretEnv];
    if (!secret) throw new UsageError(`${target} is not a configured webhook: put its secret in $${opts.secretEnv} (or name the variable with --secret-env)`);
    return found([adHoc(target, secret)]);
  }
  if (target) {
    const owners = chosen.filter((i) => i.config.webhooks.some((x) => x.name === target));
    if (owners.length > 1) {
      throw new UsageError(`webhook "${target}" exists in several connectors (${owners.map((i) => i.name).join(', ')}); choose one with --connector NAME`);
    }
    const w = all.find((x) => x.name === target);
    if (!w) throw new UsageError(`no webhook named "${target}"; configured: ${all.map((x) => x.name).join(', ') || 'none'}`);
    return found([w]);
  }
  const matching = ref === 'ping' ? all : all.filter((w) => w.events.some((e) => `${e.preposition}:${e.event}` === ref));
  if (matching.length === 0) throw new UsageError(`no webhook is configured for ${ref}; name one (NAME or URL) to send it anyway`);
  return found(matching);
}

function adHoc(url: string, secret: string): WebhookConfig {
  return {
    name: 'ad-hoc',
    events: [],
    channels: [],
    url,
    secret,
    secrets: [secret],
    headers: {},
    retry: false,
    timeoutMs: 10_000,
    failurePolicy: DEFAULTS.failure_policy,
    deadlineMs: 30_000,
    wire: 'standard',
  };
}

function representative(
  servoName: string,
  w: WebhookConfig,
  ref: string,
  event: EventDefinition | undefined,
  preposition: 'before' | 'after' | undefined,
): { id: string; body: Uint8Array } {
  const id = newMessageId(Date.now());
  const example = event ? exampleFor(event) : { params: {}, result: null };
  const body = buildBody({
    id,
    event: ref,
    createdAt: new Date(),
    servo: servoName,
    webhook: w.name,
    params: example.params,
    wire: w.wire,
    // ping carries an empty list, so receivers that iterate the results read it too.
    ...(preposition === 'after' ? { results: [{ connector: 'example', value: example.result }] } : ref === 'ping' ? { results: [] } : {}),
  });
  return { id, body };
}

function readData(file: string): { id: string; body: Uint8Array } {
  const problem = inputFileProblem(file);
  if (problem) throw new UsageError(`cannot read --data ${file}: it ${problem}; give a JSON file`);
  const body = readFileSync(file);
  let id: unknown;
  try {
    id = (JSON.parse(body.toString('utf8')) as { id?: unknown }).id;
  } catch {
    throw new UsageError(`--data ${file} is not valid JSON; the body must be a JSON document`);
  }
  return { id: typeof id === 'string' && id ? id : newMessageId(Date.now()), body };
}

function report(w: WebhookConfig, id: string, ref: string, outcome: SendOutcome, gate: boolean): Record<string, unknown> {
  const r = outcome.response;
  const text = r ? Buffer.from(r.body).toString('utf8') : undefined;
  const out: Record<string, unknown> = {
    webhook: w.name,
    url: displayUrl(w.url),
    event: ref,
    id,
    ok: outcome.ok && r !== undefined && r.status >= 200 && r.status < 300,
    status: r?.status ?? null,
    latency_ms: r ? Math.round(r.durationMs * 10) / 10 : null,
    content_type: r?.headers['content-type'] ?? null,
    body: text ?? null,
    truncated: r?.truncated ?? false,
    error: outcome.ok ? null : outcome.error.message,
  };
  if (gate) {
    const d = decide(w, outcome);
    out.would_cancel = d.action === 'cancel';
    out.reason = d.action === 'cancel' ? d.reason : null;
  }
  return out;
}

/** The report as text: what the receiver sent (content type, body, reason, error) with control characters escaped. */
function render(r: Record<string, unknown>): string {
  const t = (v: unknown) => terminalText(String(v));
  const lines = [`POST ${r.url} (webhook ${r.webhook}) ${r.event} id=${r.id}`];
  // --show-body: the exact bytes sent (signed as they are), unindented so they can be copied.
  if (typeof r.sent_body === 'string') lines.push(`  -> body sent (${Buffer.byteLength(r.sent_body)} bytes):`, terminalText(r.sent_body, { multiline: true }));
  if (r.status !== null) lines.push(`  <- ${r.status} in ${r.latency_ms} ms${r.content_type ? ` (${t(r.content_type)})` : ''}`);
  if (r.error) lines.push(`  error: ${t(r.error)}`);
  if (typeof r.body === 'string' && r.body.length) {
    const shown = r.body.length > 2000 ? `${r.body.slice(0, 2000)}... (${r.body.length} bytes)` : r.body;
    lines.push(...shown.split('\n').map((l) => `  | ${t(l)}`));
  }
  if ('would_cancel' in r) lines.push(r.would_cancel ? `  would cancel the event: ${t(r.reason)}` : '  would let the event proceed');
  return lines.join('\n') + '\n';
}
