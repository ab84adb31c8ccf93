/**
 * The one place that asks which kind of store the engine has.
 * @module
 */
import type { DeliveryStore, PersistentStore } from '../types.js';
import type { Backlog, BacklogOptions } from './backlog.js';
import { MemoryBacklog } from './memory.js';
import { StoredBacklog } from './stored.js';

function isPersistent(store: DeliveryStore): store is PersistentStore {
  return store.persistent;
}

/** The backlog of one endpoint for this store. */
export function createBacklog(store: DeliveryStore, options: BacklogOptions): Backlog {
  return isPersistent(store) ? new StoredBacklog(store, options) : new MemoryBacklog(store, options);
}
