/**
 * The lease of one process on the rows it holds in a shared SQLite store.
 *
 * A pending row names its holder in `lease_owner` (NULL: nobody holds it).
 * The holder's lease is one row of `leases` with an expiry; a heartbeat
 * renews it every third of the lease while the process lives, so the rows
 * stay with it however long they wait for a retry. When the process stops it
 * releases its rows; when it dies, its lease expires and another process may
 * claim them (at-least-once: a row that was in flight at the crash is sent
 * again). Claiming is one UPDATE, which SQLite runs under its write lock, so
 * two processes never claim the same row.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The condition "no live process but `@owner` holds this row": the row is free,
 * or its holder's lease expired or is gone. `p` is the pending row.
 */
export const CLAIMABLE = `(p.lease_owner IS NULL OR (p.lease_owner <> @owner AND NOT EXISTS (
  SELECT 1 FROM leases l WHERE l.owner = p.lease_owner AND l.expires_at > @now)))`;

/** One process's lease on a store file. */
export class Lease {
  /** This process's name in `lease_owner`: host, pid and a random part (pids are reused). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly renewStmt: BetterSqlite3.Statement;
  private readonly expireStmt: BetterSqlite3.Statement;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: BetterSqlite3.Database,
    /** Lease length, ms. */
    readonly ms: number,
    /** A heartbeat that could not be written (the lease will be renewed at the next one). */
    private readonly onError: (err: Error) => void,
  ) {
    this.renewStmt = db.prepare('INSERT INTO leases (owner, expires_at) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at');
    this.expireStmt = db.prepare('DELETE FROM leases WHERE expires_at <= ? AND owner <> ?');
  }

  /** True once this process holds (or held) rows: it has a lease row and a heartbeat. */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Writes (or extends) the lease row and starts the heartbeat. Call inside
   * the transaction that takes rows, so they are never held on an expired
   * lease.
   */
  renew(now: number): void {
    this.renewStmt.run(this.owner, now + this.ms);
    if (this.timer) return;
    this.timer = setInterval(() => this.beat(), Math.max(1, Math.floor(this.ms / 3)));
    this.timer.unref();
  }

  private beat(): void {
    const now = Date.now();
    try {
      this.renewStmt.run(this.owner, now + this.ms);
      // Leases of processes that died: their rows are claimable either way; the rows of `leases` go.
      this.expireStmt.run(now, this.owner);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Stops the heartbeat and lets go of every row this process holds. */
  release(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.db.transaction(() => {
      this.db.prepare('UPDATE pending SET lease_owner = NULL WHERE lease_owner = ?').run(this.owner);
      this.db.prepare('DELETE FROM leases WHERE owner = ?').run(this.owner);
    })();
  }
}
