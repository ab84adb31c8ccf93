import type { CliContext } from 'servo-core';
import { UsageError } from 'servo-core/cli';
import { webhookInstances, write } from './common.js';
import { openStores } from './store.js';

/**
 * `servo webhooks enable NAME`: clears the disabled record a 410 Gone left in
 * the sqlite store; a running servo polls it and resumes the webhook's kept
 * deliveries. A memory store is only known to its own process: a restart is
 * what re-enables a webhook there.
 */
export async function enable(ctx: CliContext, name: string, opts: { connector?: string }): Promise<void> {
  const servo = await ctx.loadServo();
  const instances = webhookInstances(servo).filter((i) => (!opts.connector || i.name === opts.connector) && i.config.webhooks.some((w) => w.name === name));
  if (instances.length === 0) throw new UsageError(`no webhook named "${name}"${opts.connector ? ` in connector "${opts.connector}"` : ''}`);
  if (instances.length > 1) {
    throw new UsageError(`webhook "${name}" exists in several connectors (${instances.map((i) => i.name).join(', ')}); choose one with --connector NAME`);
  }
  const instance = instances[0]!;
  if (instance.config.settings.store.kind !== 'sqlite') {
    throw new UsageError(
      `connector "${instance.name}" keeps deliveries in memory: restart the servo to re-enable "${name}" (with store: sqlite:PATH this command reaches a running servo)`,
    );
  }
  const stores = await openStores([instance]);
  try {
    const store = stores.views[0]?.store;
    const record = store?.disabled()[name];
    if (!store || !record) return write(ctx, `${name} is not disabled\n`);
    store.setDisabled(name, null, Date.now());
    write(
      ctx,
      `${name} re-enabled (was disabled since ${new Date(record.since).toISOString()}: ${record.reason}); a running servo resumes its deliveries within a few seconds\n`,
    );
  } finally {
    stores.close();
  }
}
