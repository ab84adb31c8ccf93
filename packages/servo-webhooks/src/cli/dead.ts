/**
 * `servo webhooks dead [NAME] [--limit N] [--body]`: the dead-letter list of
 * the SQLite stores, newest first. Read-only. The body is never printed in a
 * table and appears in JSON only with `--body`; secrets never appear.
 * @module
 */
import type { CliContext } from 'servo-core';
import { formatJson, table, UsageError } from 'servo-core/cli';
import type { WebhookConfig } from '../config/index.js';
import type { DeadDelivery } from '../delivery/types.js';
import { outputOf, webhookInstances, write } from './common.js';
import { parseLimit } from './limit.js';
import { openStores, type OpenStores, type StoreView } from './store.js';

/** Options of {@link dead}, as given on the command line. */
export interface DeadOptions {
  /** Most entries to print: a positive integer (as given on the command line, or parsed). */
  limit: string | number;
  /** Include the body as text (JSON output only). */
  body?: boolean;
}

/** A dead-letter entry with the configuration it belongs to (none when its webhook is no longer configured). */
interface Entry {
  connector: string | undefined;
  d: DeadDelivery;
  hook: WebhookConfig | undefined;
}

/** `servo webhooks dead [NAME] [--limit N] [--body]` */
export async function dead(ctx: CliContext, name: string | undefined, opts: DeadOptions): Promise<void> {
  const json = outputOf(ctx) === 'json';
  if (opts.body && !json) throw new UsageError('--body prints bodies in JSON only: add --output json');
  const limit = typeof opts.limit === 'number' ? opts.limit : parseLimit(opts.limit);
  const servo = await ctx.loadServo();
  const instances = webhookInstances(servo);
  if (instances.length === 0) throw new UsageError(`${servo.configFile ?? 'servo.yaml'} configures no webhooks connector`);
  const stores = await openStores(instances);
  let entries: Entry[];
  try {
    const relevant = stores.views.filter((v) => name === undefined || v.config.webhooks.some((w) => w.name === name));
    const memory = relevant.filter((v) => v.spec === 'memory');
    // An unconfigured NAME may still have entries (a renamed or removed webhook): then any SQLite store will do.
    if (relevant.length > 0 ? memory.length === relevant.length : stores.views.every((v) => v.spec === 'memory')) {
      throw needsSqlite(relevant.length > 0 ? memory : stores.views);
    }
    if (memory.length > 0) {
      ctx.stderr.write(`note: not included: connector ${memory.map((v) => `"${v.connector}"`).join(', ')}, which uses the memory store\n`);
    }
    entries = collect(stores, name, limit);
    if (name !== undefined && relevant.length === 0 && entries.length === 0) {
      const names = instances.flatMap((i) => i.config.webhooks.map((w) => w.name));
      throw new UsageError(`no webhook named "${name}" is configured or has dead-letter entries; configured: ${names.join(', ') || 'none'}`);
    }
  } finally {
    stores.close();
  }
  const rows = entries.map(({ connector, d, hook }) => ({
    id: d.id,
    connector: connector ?? null,
    webhook: d.webhook,
    event: d.event,
    failed_at: new Date(d.failedAt).toISOString(),
    created_at: new Date(d.createdAt).toISOString(),
    attempts: d.attempts,
    error: scrub(d.error, hook),
    content_type: d.contentType,
    ...(opts.body ? { body: Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength).toString('utf8') } : {}),
  }));
  if (json) return write(ctx, formatJson(rows));
  if (rows.length === 0) ctx.stderr.write(`no dead-letter entries${name === undefined ? '' : ` for webhook "${name}"`}\n`);
  write(
    ctx,
    table(
      ['ID', 'WEBHOOK', 'EVENT', 'FAILED_AT', 'ATTEMPTS', 'ERROR'],
      rows.map((r) => [r.id, r.webhook, r.event, r.failed_at, r.attempts, r.error]),
      { fitTo: ctx.stdout },
    ),
  );
}

/** Newest `limit` entries over every SQLite file (each file read once, however many instances share it). */
function collect(stores: OpenStores, name: string | undefined, limit: number): Entry[] {
  const all = stores.files.flatMap(({ store, connectors }) =>
    store.dead({ ...(name === undefined ? {} : { webhook: name }), limit }).map((d) => {
      const owner = connectors.find((v) => v.config.webhooks.some((w) => w.name === d.webhook));
      return { connector: owner?.connector, d, hook: owner?.config.webhooks.find((w) => w.name === d.webhook) };
    }),
  );
  return all.sort((a, b) => b.d.failedAt - a.d.failedAt).slice(0, limit);
}

function needsSqlite(memory: readonly StoreView[]): UsageError {
  const which = memory.length ? ` (connector ${memory.map((v) => `"${v.connector}"`).join(', ')} uses the memory store)` : '';
  return new UsageError(`the dead-letter list needs \`store: sqlite:PATH\` in the webhooks section${which}: a memory store keeps nothing once the servo stops`);
}

/** Error texts come from the engine and should hold no secrets; this makes sure of it for the configured ones. */
function scrub(text: string, hook: WebhookConfig | undefined): string {
  if (!hook) return text;
  let out = text;
  for (const secret of [...hook.secrets, hook.signingKey ?? '']) if (secret) out = out.split(secret).join('***');
  try {
    const u = new URL(hook.url);
    for (const v of [u.password, u.username, ...u.searchParams.values()]) if (v.length >= 4) out = out.split(v).join('***');
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}
