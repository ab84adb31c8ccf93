import { dirname, resolve } from 'node:path';
import { table, formatJson, type CliContext } from 'servo-core';
import { displayUrl, outputOf, subscriptionsOf, webhookInstances, write } from './common.js';

/** `servo webhooks list [--stats]` */
export async function list(ctx: CliContext, opts: { stats?: boolean }): Promise<void> {
  const servo = await ctx.loadServo();
  const rows: Record<string, unknown>[] = [];
  for (const instance of webhookInstances(servo)) {
    const counts = opts.stats ? await storeCounts(instance.config, servo.configFile) : undefined;
    for (const w of instance.config.webhooks) {
      rows.push({
        connector: instance.name,
        name: w.name,
        events: subscriptionsOf(w),
        url: displayUrl(w.url),
        failure_policy: w.failurePolicy,
        max_tries: w.retry === false ? 1 : w.retry.maxTries,
        max_time_ms: w.retry === false ? 0 : w.retry.maxTimeMs,
        timeout_ms: w.timeoutMs,
        ...(counts ? { pending: counts[w.name]?.pending ?? 0, dead: counts[w.name]?.dead ?? 0, disabled: counts[w.name]?.disabled ?? false } : {}),
      });
    }
  }
  if (outputOf(ctx) === 'json') return write(ctx, formatJson(rows));
  const headers = ['CONNECTOR', 'NAME', 'EVENTS', 'URL', 'POLICY', 'RETRIES', 'TIMEOUT'];
  if (opts.stats) headers.push('PENDING', 'DEAD');
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
        ...(opts.stats ? [r.pending, r.dead] : []),
      ]),
    ),
  );
}

async function storeCounts(
  config: { settings: { store: { kind: string; path?: string } } },
  configFile: string | undefined,
): Promise<Record<string, { pending: number; dead: number; disabled?: boolean }> | undefined> {
  const store = config.settings.store;
  if (store.kind !== 'sqlite' || !store.path) return {};
  const { SqliteStore } = await import('../delivery/sqlite-store.js');
  const s = new SqliteStore(resolve(configFile ? dirname(configFile) : process.cwd(), store.path));
  try {
    return s.counts();
  } finally {
    s.close();
  }
}

function fmtMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
