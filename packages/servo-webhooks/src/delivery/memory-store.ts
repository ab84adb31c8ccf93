import type { DeadDelivery, Delivery, DeliveryStore, StoreCounts, StoredDelivery } from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Dead-letter entries kept (oldest forgotten first); default 1000. */
  maxDead?: number;
}

/**
 * The default store: pending deliveries and a bounded dead-letter list in
 * process memory. Not persistent: pending deliveries are lost when the
 * process exits, and the engine drops the oldest past its `maxQueue`.
 */
export class MemoryStore implements DeliveryStore {
  readonly persistent = false;
  private seq = 0;
  private readonly rows = new Map<string, StoredDelivery>();
  private readonly deadRows: DeadDelivery[] = [];
  private readonly maxDead: number;
  private readonly disabledRows = new Map<string, { reason: string; since: number }>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxDead = options.maxDead ?? 1000;
  }

  /** @inheritdoc */
  add(delivery: Delivery): number {
    const seq = ++this.seq;
    this.rows.set(delivery.id, { seq, delivery });
    return seq;
  }

  /** @inheritdoc */
  reschedule(id: string, attempts: number, nextAttemptAt: number): void {
    const row = this.rows.get(id);
    if (row) {
      row.delivery.attempts = attempts;
      row.delivery.nextAttemptAt = nextAttemptAt;
    }
  }

  /** @inheritdoc */
  remove(id: string): void {
    this.rows.delete(id);
  }

  /** @inheritdoc */
  deadLetter(delivery: Delivery, error: string, failedAt: number): void {
    this.rows.delete(delivery.id);
    this.deadRows.push({ ...delivery, error, failedAt });
    if (this.deadRows.length > this.maxDead) this.deadRows.splice(0, this.deadRows.length - this.maxDead);
  }

  /** @inheritdoc */
  pending(query: { webhook: string; after?: number; limit: number }): StoredDelivery[] {
    const out: StoredDelivery[] = [];
    const after = query.after ?? 0;
    for (const row of this.rows.values()) {
      if (out.length >= query.limit) break;
      if (row.seq > after && row.delivery.webhook === query.webhook) out.push(row);
    }
    return out;
  }

  /** @inheritdoc */
  dead(query: { webhook?: string; limit?: number } = {}): DeadDelivery[] {
    const out: DeadDelivery[] = [];
    const limit = query.limit ?? Infinity;
    for (let i = this.deadRows.length - 1; i >= 0 && out.length < limit; i--) {
      const row = this.deadRows[i]!;
      if (query.webhook === undefined || row.webhook === query.webhook) out.push(row);
    }
    return out;
  }

  /** @inheritdoc */
  counts(): Record<string, StoreCounts> {
    const out: Record<string, StoreCounts> = {};
    const get = (w: string): StoreCounts => (out[w] ??= { pending: 0, dead: 0 });
    for (const row of this.rows.values()) get(row.delivery.webhook).pending++;
    for (const row of this.deadRows) get(row.webhook).dead++;
    return out;
  }

  /** Nothing to commit. */
  flush(): void {}

  /** Forgets everything. */
  close(): void {
    this.rows.clear();
  }

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
