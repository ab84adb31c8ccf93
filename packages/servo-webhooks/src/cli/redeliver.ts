/**
 * `servo webhooks redeliver [NAME] [--id ID | --dead | --pending] [--since TIME]`:
 * sends deliveries a SQLite store keeps again, now, with their own ids and
 * bodies (a receiver that drops duplicates by id still does), one attempt
 * each, and prints a line per delivery; exit 1 if any was not delivered.
 * A redelivered dead letter leaves the dead-letter list; a pending delivery
 * is taken under this process's lease (never one a running servo holds) and
 * removed once delivered. What fails stays where it was.
 * @module
 */
import { model, type CliContext } from 'servo-core';
import { ExitCodes, ExitError, formatJson, terminalText, UsageError } from 'servo-core/cli';
import type { WebhookConfig } from '../config/index.js';
import type { Delivery, PersistentStore } from '../delivery/types.js';
import { USER_AGENT } from '../version.js';
import { displayUrl, outputOf, webhookInstances, write } from './common.js';
import { openStores } from './store.js';

/** Options of {@link redeliver}, as given on the command line. */
export interface RedeliverOptions {
  id?: string;
  dead?: boolean;
  pending?: boolean;
  /** An RFC 3339 time, or a duration back from now (`2h`). */
  since?: string;
}

/** One delivery to send again, and where it came from. */
interface Candidate {
  d: Delivery;
  from: 'dead' | 'pending';
  store: PersistentStore;
  hook: WebhookConfig | undefined;
}

/** `servo webhooks redeliver` */
export async function redeliver(ctx: CliContext, name: string | undefined, opts: RedeliverOptions): Promise<void> {
  const chosen = [opts.id !== undefined, opts.dead === true, opts.pending === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('say which deliveries to send again: --id ID, --dead or --pending (one of them)');
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const servo = await ctx.loadServo();
  const instances = webhookInstances(servo);
  const hooks = new Map(instances.flatMap((i) => i.config.webhooks.map((w) => [w.name, w] as const)));
  if (name !== undefined && !hooks.has(name)) {
    throw new UsageError(`no webhook named "${name}"; configured: ${[...hooks.keys()].join(', ') || 'none'}`);
  }
  const stores = await openStores(instances);
  try {
    if (stores.views.every((v) => v.spec === 'memory')) {
      throw new UsageError('redeliver sends what a sqlite store keeps; the memory store keeps nothing after a command ends: use store: sqlite:PATH');
    }
    const candidates: Candidate[] = [];
    for (const { store: s } of stores.files) {
      const store = s as PersistentStore;
      const keep = (d: Delivery, at: number) => (name === undefined || d.webhook === name) && (since === undefined || at >= since);
      if (opts.dead || opts.id !== undefined) {
        for (const d of store.dead()) {
          if (keep(d, d.failedAt) && (opts.id === undefined || d.id === opts.id)) candidates.push({ d, from: 'dead', store, hook: hooks.get(d.webhook) });
        }
      }
      if (opts.pending || opts.id !== undefined) {
        for (const webhook of name !== undefined ? [name] : Object.keys(store.counts())) {
          for (const d of store.claim({ webhook, limit: 1_000_000 })) {
            if (keep(d, d.createdAt) && (opts.id === undefined || d.id === opts.id)) candidates.push({ d, from: 'pending', store, hook: hooks.get(d.webhook) });
          }
        }
      }
    }
    if (opts.id !== undefined && candidates.length === 0) {
      throw new ExitError(ExitCodes.failed, `servo: no dead or pending delivery ${opts.id} in the store (a running servo may hold it, or it was delivered)`);
    }
    // Oldest first, as they were first sent.
    candidates.sort((a, b) => a.d.createdAt - b.d.createdAt);
    const results = await send(candidates);
    if (outputOf(ctx) === 'json') write(ctx, formatJson(results));
    else if (results.length === 0) write(ctx, 'nothing to redeliver\n');
    else for (const r of results) write(ctx, line(r));
    const failed = results.filter((r) => !r.ok).length;
    if (failed)
      throw new ExitError(ExitCodes.failed, `servo: ${failed} of ${results.length} deliver${results.length === 1 ? 'y was' : 'ies were'} not delivered`);
  } finally {
    stores.close();
  }
}

/** `2026-12-01T10:00:00Z` or `2h` (that long ago) -> epoch ms. */
function parseSince(text: string): number {
  const at = Date.parse(text);
  if (/^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(at)) return at;
  try {
    return Date.now() - model.parseDuration(text);
  } catch {
    throw new UsageError(`--since ${text}: expected a time (2026-12-01T10:00:00Z) or a duration back from now (30m, 2h)`);
  }
}

async function send(candidates: readonly Candidate[]): Promise<Record<string, unknown>[]> {
  if (candidates.length === 0) return [];
  const { DeliveryEngine } = await import('../delivery/engine.js');
  const configured = [...new Map(candidates.flatMap((c) => (c.hook ? [[c.hook.name, c.hook] as const] : []))).values()];
  const engine = new DeliveryEngine({
    endpoints: configured.map((w) => ({ name: w.name, url: w.url, secret: w.secret, headers: { ...w.headers }, retry: false, timeoutMs: w.timeoutMs })),
    userAgent: USER_AGENT,
  });
  try {
    return await Promise.all(
      candidates.map(async ({ d, from, store, hook }) => {
        const base = { id: d.id, webhook: d.webhook, event: d.event, from };
        if (!hook) return { ...base, ok: false, status: null, latency_ms: null, error: `webhook "${d.webhook}" is not configured any more` };
        const outcome = await engine.send(
          { webhook: d.webhook, event: d.event, body: d.body, contentType: d.contentType, id: d.id },
          { deadlineMs: hook.timeoutMs },
        );
        const r = outcome.response;
        const ok = outcome.ok && r !== undefined && r.status >= 200 && r.status < 300;
        if (ok) {
          if (from === 'dead') store.removeDead(d.id);
          else store.remove(d.id);
        }
        return {
          ...base,
          url: displayUrl(hook.url),
          ok,
          status: r?.status ?? null,
          latency_ms: r ? Math.round(r.durationMs) : null,
          error: outcome.ok ? null : outcome.error.message,
        };
      }),
    );
  } finally {
    for (const { store } of candidates) store.flush();
    await engine.close();
  }
}

function line(r: Record<string, unknown>): string {
  const what = `${r.id} ${r.event} to ${r.webhook} (${r.from === 'dead' ? 'dead letter' : 'pending'})`;
  if (r.ok) return `delivered ${what} in ${r.latency_ms} ms (${r.status})\n`;
  const why = r.status !== null ? `answered ${r.status}` : terminalText(String(r.error));
  return `failed    ${what}: ${why}; ${r.from === 'dead' ? 'still in the dead-letter list' : 'still pending'}\n`;
}
