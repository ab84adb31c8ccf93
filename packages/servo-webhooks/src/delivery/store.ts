/**
 * The one way to open a delivery store, for the engine and for the CLI views.
 * @module
 */
import { existsSync } from 'node:fs';
import { MemoryStore } from './memory-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import type { DeliveryStore } from './types.js';

/** Which store: in memory, or one SQLite file (an absolute path). */
export type StoreSpec = { readonly kind: 'memory' } | { readonly kind: 'sqlite'; readonly file: string };

/** Options of {@link openStore}. */
export interface OpenStoreOptions extends SqliteStoreOptions {
  /** Open a SQLite file only if it exists (read-only views never create one): `undefined` otherwise. */
  existing?: boolean;
}

/**
 * Opens the store `spec` names. better-sqlite3 loads only when a SQLite store
 * is opened.
 * @example
 * const store = await openStore({ kind: 'sqlite', file: '/srv/servo/webhooks.db' });
 */
export async function openStore(spec: StoreSpec, options: OpenStoreOptions = {}): Promise<DeliveryStore | undefined> {
  if (spec.kind === 'memory') return new MemoryStore();
  if (options.existing && !existsSync(spec.file)) return undefined;
  const { SqliteStore } = await import('./sqlite-store.js');
  const { existing: _, ...sqliteOptions } = options;
  return new SqliteStore(spec.file, sqliteOptions);
}
