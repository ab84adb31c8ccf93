/**
 * The delivery stores of an assembly's webhooks connectors, opened for the
 * read-only CLI views (`list --stats`, `dead`). A store file that does not
 * exist is never created: it simply holds nothing yet.
 * @module
 */
import type { WebhooksConfig } from '../config/index.js';
import { openStore } from '../delivery/store.js';
import type { DeliveryStore } from '../delivery/types.js';

/** The store of one connector instance, as a CLI command sees it. */
export interface StoreView {
  /** Connector instance name. */
  readonly connector: string;
  readonly config: WebhooksConfig;
  /** `memory` or `sqlite:PATH` as configured. */
  readonly spec: string;
  /** Absolute path of the SQLite file (sqlite stores only). */
  readonly file?: string;
  /** The open store; undefined for the memory store and for a file not created yet. */
  readonly store?: DeliveryStore;
}

/** Opened stores; `close()` releases them. Instances sharing one file share one handle. */
export interface OpenStores {
  readonly views: readonly StoreView[];
  /** The distinct open SQLite stores, each once, with the instances using it. */
  readonly files: readonly { file: string; store: DeliveryStore; connectors: readonly StoreView[] }[];
  close(): void;
}

/** Opens the store of every instance (the files the running connectors use). */
export async function openStores(instances: readonly { name: string; config: WebhooksConfig }[]): Promise<OpenStores> {
  const byFile = new Map<string, { file: string; store: DeliveryStore; connectors: StoreView[] }>();
  const views: StoreView[] = [];
  try {
    for (const { name, config } of instances) {
      const s = config.settings.store;
      if (s.kind === 'memory') {
        views.push({ connector: name, config, spec: 'memory' });
        continue;
      }
      const file = s.file;
      let entry = byFile.get(file);
      if (!entry) {
        const store = await openStore(s, { existing: true });
        if (store) {
          entry = { file, store, connectors: [] };
          byFile.set(file, entry);
        }
      }
      const view: StoreView = { connector: name, config, spec: `sqlite:${s.path}`, file, ...(entry ? { store: entry.store } : {}) };
      entry?.connectors.push(view);
      views.push(view);
    }
  } catch (err) {
    for (const { store } of byFile.values()) store.close();
    throw err;
  }
  return {
    views,
    files: [...byFile.values()],
    close: () => {
      for (const { store } of byFile.values()) store.close();
    },
  };
}
