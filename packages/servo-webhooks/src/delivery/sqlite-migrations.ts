/**
 * The versioned schema of the SQLite delivery store. A file records its
 * version in SQLite's `user_version`; opening it applies, in order and each
 * in its own transaction, every migration above that version, so a file
 * written by an earlier release is upgraded in place. A new table or column
 * is a new entry at the end of {@link MIGRATIONS}; entries are never edited
 * once released.
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { WebhookStoreError } from '../errors.js';

/** One step of the schema: what it does and the SQL that does it. */
export interface Migration {
  /** The schema version after this step (1, 2, ...). */
  readonly version: number;
  /** What the step adds, for the reader of this file. */
  readonly description: string;
  /** Statements run in one transaction. */
  readonly sql: string;
}

/** Every schema step, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'pending deliveries, dead letters, disabled endpoints',
    sql: `
CREATE TABLE IF NOT EXISTS pending (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  webhook TEXT NOT NULL,
  event TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_webhook_seq ON pending (webhook, seq);
CREATE TABLE IF NOT EXISTS dead (
  id TEXT PRIMARY KEY,
  webhook TEXT NOT NULL,
  event TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  error TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_failed_at ON dead (failed_at);
CREATE TABLE IF NOT EXISTS disabled (
  webhook TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  since INTEGER NOT NULL
);`,
  },
  {
    version: 2,
    description: 'leases: a pending row is held by one process at a time (lease_owner), while its lease in `leases` is renewed',
    sql: `
ALTER TABLE pending ADD COLUMN lease_owner TEXT;
CREATE TABLE leases (
  owner TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);`,
  },
  {
    version: 3,
    description:
      'the delivery history (history/sqlite.ts): a row per batch of attempts one process recorded: their summaries and records (JSON lines) and the bodies they introduce, each deflated',
    // One row per batch, not per attempt: recording costs one insert per batch (bench/history.mjs).
    sql: `
CREATE TABLE history (
  seq INTEGER PRIMARY KEY,
  recorded_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  body_bytes INTEGER NOT NULL,
  ids TEXT NOT NULL,
  summaries BLOB NOT NULL,
  records BLOB NOT NULL,
  bodies BLOB
);`,
  },
];

/** The schema version this release writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the file's schema up to {@link SCHEMA_VERSION}. Each step runs in an
 * IMMEDIATE transaction that re-reads the version first, so two processes
 * opening one old file at once apply each step once.
 * @throws {@link WebhookStoreError} when the file was written by a newer release.
 */
export function migrate(db: BetterSqlite3.Database, path: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  const found = version();
  if (found > SCHEMA_VERSION) {
    throw new WebhookStoreError(`webhook store ${path} has schema version ${found}; this version of servo-webhooks reads up to ${SCHEMA_VERSION}`);
  }
  for (const step of MIGRATIONS) {
    if (step.version <= found) continue;
    db.transaction(() => {
      if (version() >= step.version) return; // another process applied it meanwhile
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
}
