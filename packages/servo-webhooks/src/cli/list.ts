import type { CliContext } from 'servo-core';
import { formatJson, table } from 'servo-core/cli';
import type { StoreCounts } from '../delivery/types.js';
import { displayUrl, outputOf, subscriptionsOf, webhookInstances, write } from './common.js';
import { openStores, type OpenStores } from './store.js';

/**
 * `servo webhooks list [--stats]`. With `--stats`, PENDING and DEAD come from
 * each connector's SQLite store (read, never created); a memory store lives
 * only inside a running servo, so its counts are shown as unknown (`-`, null).
 */
export async function list(ctx: CliContext, opts: { stats?: boolean }): Promise<void> {
  const servo = await ctx.loadServo({ usesSecrets: false });
  const instances = webhookInstances(servo);
  const stores = opts.stats ? await openStores(instances) : undefined;
  const rows: Record<string, unknown>[] = [];
  try {
    const counts = stores ? countsByFile(stores) : undefined;
    const disabledByFile = new Map(stores?.files.map(({ file, store }) => [file, store.disabled()]) ?? []);
    instances.forEach((instance, i) => {
      const view = stores?.views[i];
      const known = view?.file === undefined ? undefined : (counts!.get(view.file) ?? {});
      for (const w of instance.config.webhooks) {
        rows.push({
          connector: instance.name,
          name: w.name,
          events: subscriptionsOf(w),
          url: displayUrl(w.url),
          failure_policy: w.events.some((e) => e.preposition === 'before') ? w.failurePolicy : null,
          max_tries: w.retry === false ? 1 : w.retry.maxTries,
          max_time_ms: w.retry === false ? 0 : w.retry.maxTimeMs,
          timeout_ms: w.timeoutMs,
          ...(view
            ? {
                store: view.spec,
                pending: known ? (known[w.name]?.pending ?? 0) : null,
                dead: known ? (known[w.name]?.dead ?? 0) : null,
                disabled: known ? (disabledByFile.get(view.file!)?.[w.name]?.reason ?? false) : null,
              }
            : {}),
        });
      }
    });
    if (stores) noteStoreOnly(ctx, stores, counts!);
  } finally {
    stores?.close();
  }
  if (stores?.views.some((v) => v.spec === 'memory')) {
    ctx.stderr.write('note: pending and dead counts need `store: sqlite:PATH`; a memory store is only known to the running servo\n');
  }
  if (outputOf(ctx) === 'json') return write(ctx, formatJson(rows));
  const headers = ['CONNECTOR', 'NAME', 'EVENTS', 'URL', 'POLICY', 'RETRIES', 'TIMEOUT'];
  if (opts.stats) headers.push('PENDING', 'DEAD', 'DISABLED');
  write(
    ctx,
    table(
      headers,
      rows.map((r) => [
        r.connector,
        r.name,
        r.events,
        r.url,
        r.failure_policy,
        r.max_tries === 1 ? 'off' : `${r.max_tries} tries within ${fmtMs(r.max_time_ms as number)}`,
        fmtMs(r.timeout_ms as number),
        ...(opts.stats ? [r.pending, r.dead, r.disabled === null ? null : r.disabled ? `yes: ${r.disabled}` : 'no'] : []),
      ]),
      { fitTo: ctx.stdout },
    ),
  );
}

/** Counts of every SQLite file; a configured file not created yet counts as empty. */
function countsByFile(stores: OpenStores): Map<string, Record<string, StoreCounts>> {
  const out = new Map<string, Record<string, StoreCounts>>();
  for (const { file, store } of stores.files) out.set(file, store.counts());
  return out;
}

/** Deliveries of webhooks no longer configured (renamed, removed) would otherwise be invisible. */
function noteStoreOnly(ctx: CliContext, stores: OpenStores, counts: Map<string, Record<string, StoreCounts>>): void {
  for (const { file, connectors } of stores.files) {
    const configured = new Set(connectors.flatMap((v) => v.config.webhooks.map((w) => w.name)));
    for (const [name, c] of Object.entries(counts.get(file) ?? {})) {
      if (configured.has(name) || (c.pending === 0 && c.dead === 0)) continue;
      ctx.stderr.write(`note: ${file} also holds ${c.pending} pending and ${c.dead} dead deliveries of webhook "${name}", which is not configured\n`);
    }
  }
}

function fmtMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
