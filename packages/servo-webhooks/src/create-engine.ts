/**
 * The delivery engine of one connector instance, built from its settings:
 * the store they name, and the delivery history when the deliveries page
 * will show it (the HTTP endpoint of `servo run` is on).
 * @module
 */
import type { DeliverySettings, WebhookConfig } from './config/index.js';
import type { DeliveryEngine } from './delivery/engine.js';
import type { DeliveryEngineOptions } from './delivery/options.js';
import { openStore } from './delivery/store.js';
import type { DeliveryStore, WebhookEndpoint } from './delivery/types.js';
import type { DeliveryHistory } from './history/types.js';
import { USER_AGENT } from './version.js';

/** What the emitter hands over besides the settings. */
export interface EngineParts {
  readonly settings: DeliverySettings;
  readonly webhooks: readonly WebhookConfig[];
  /** Keep a delivery history (the endpoint is on and `history` is not false). */
  readonly history: boolean;
  /** A store write that failed (logged by the emitter). */
  storeFailed(err: Error): void;
  /** The engine's options the emitter sets itself: logger, callbacks. */
  readonly options: Pick<DeliveryEngineOptions, 'logger' | 'onResponse' | 'onAttempt'>;
}

/** The history `settings` ask for over `store`: in its file for sqlite, in memory otherwise. */
async function historyFor(settings: DeliverySettings, store: DeliveryStore): Promise<DeliveryHistory | undefined> {
  const limits = settings.history;
  if (limits === false) return undefined;
  if (store.persistent) {
    const [{ SqliteHistory }, { SqliteStore }] = await Promise.all([import('./history/sqlite.js'), import('./delivery/sqlite-store.js')]);
    if (store instanceof SqliteStore) return new SqliteHistory(store, limits);
  }
  const { MemoryHistory } = await import('./history/memory.js');
  return new MemoryHistory(limits);
}

/** Opens the store and builds the engine (not started), with its history when asked for. */
export async function createEngine(parts: EngineParts): Promise<{ engine: DeliveryEngine; history: DeliveryHistory | undefined }> {
  const { settings, webhooks } = parts;
  const [{ DeliveryEngine }, store] = await Promise.all([
    import('./delivery/engine.js'),
    openStore(settings.store, { onError: (err) => parts.storeFailed(err), leaseMs: settings.leaseMs }),
  ]);
  const history = parts.history && store ? await historyFor(settings, store) : undefined;
  const endpoints: WebhookEndpoint[] = webhooks.map((w) => ({
    name: w.name,
    url: w.url,
    secret: w.secrets,
    signingKey: w.signingKey,
    headers: { ...w.headers },
    retry: w.retry === false ? false : { ...w.retry },
    timeoutMs: w.timeoutMs,
  }));
  const engine = new DeliveryEngine({
    endpoints,
    ...(store ? { store } : {}),
    userAgent: USER_AGENT,
    maxQueue: settings.maxQueue,
    concurrency: settings.concurrency,
    drainTimeoutMs: settings.drainTimeoutMs,
    breaker: settings.breaker,
    retryFloorMs: settings.retryFloorMs,
    bodyCap: settings.bodyCap,
    http2: settings.http2,
    ...(settings.caFile ? { ca: settings.caFile } : {}),
    ...(history ? { history } : {}),
    ...parts.options,
  });
  return { engine, history };
}
