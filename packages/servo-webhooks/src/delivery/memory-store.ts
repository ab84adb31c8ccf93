import type { DeadDelivery, Delivery, DeliveryStore, StoreCounts } from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Dead-letter entries kept (oldest forgotten first); default 1000. */
  maxDead?: number;
}

/**
 * The default store: a bounded dead-letter list and the disabled-endpoint
 * records, in process memory. Pending deliveries stay in the engine's
 * backlogs, are lost when the process exits, and past `maxQueue` the oldest
 * are dropped.
 */
export class MemoryStore implements DeliveryStore {
  readonly persistent = false;
  private readonly deadRows: DeadDelivery[] = [];
  private readonly maxDead: number;
  private readonly disabledRows = new Map<string, { reason: string; since: number }>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxDead = options.maxDead ?? 1000;
  }

  /** @inheritdoc */
  deadLetter(delivery: Delivery, error: string, failedAt: number): void {
    this.deadRows.push({ ...delivery, error, failedAt });
    if (this.deadRows.length > this.maxDead) this.deadRows.splice(0, this.deadRows.length - this.maxDead);
  }

  /** @inheritdoc */
  dead(query: { webhook?: string; id?: string; limit?: number } = {}): DeadDelivery[] {
    const out: DeadDelivery[] = [];
    const limit = query.limit ?? Infinity;
    for (let i = this.deadRows.length - 1; i >= 0 && out.length < limit; i--) {
      const row = this.deadRows[i]!;
      if ((query.webhook === undefined || row.webhook === query.webhook) && (query.id === undefined || row.id === query.id)) out.push(row);
    }
    return out;
  }

  /** @inheritdoc */
  removeDead(id: string): boolean {
    const i = this.deadRows.findIndex((row) => row.id === id);
    if (i < 0) return false;
    this.deadRows.splice(i, 1);
    return true;
  }

  /** Dead-letter counts per endpoint (pending is always 0: the backlogs hold those). */
  counts(): Record<string, StoreCounts> {
    const out: Record<string, StoreCounts> = {};
    for (const row of this.deadRows) (out[row.webhook] ??= { pending: 0, dead: 0 }).dead++;
    return out;
  }

  /** Nothing to commit. */
  flush(): void {}

  /** Nothing to release. */
  close(): void {}

  /** @inheritdoc */
  setDisabled(webhook: string, reason: string | null, at: number): void {
    if (reason === null) this.disabledRows.delete(webhook);
    else this.disabledRows.set(webhook, { reason, since: at });
  }

  /** @inheritdoc */
  disabled(): Record<string, { reason: string; since: number }> {
    return Object.fromEntries(this.disabledRows);
  }
}
