/**
 * Several processes on one sqlite store: two `servo run` and a few
 * `servo measure` at once. Each pending row is held by one process at a time
 * (a lease), so every delivery reaches the receiver exactly once; when one
 * runner is killed with SIGKILL mid-drain, the rows it held wait for its lease
 * to expire and are then delivered by the other runner.
 *
 * Everything is real: the built CLI in subprocesses, a connector package
 * publishing the load (project.ts), the scripts connector answering measure,
 * the SQLite file, and a receiver on 127.0.0.1 counting ids.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, type RecordedRequest, startReceiver } from '../../../../test-support/index.js';
import { MEASURE_SH } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';
import { pendingCount, type ServoRun, startServoRun, until } from './processes.js';
import { type LoadProject, makeLoadProject, PUBLISH_ENV } from './project.js';

const TOTAL = 600;
const LEASE_MS = 1_000;
const SECRET = 'shared-store-secret-0123456789';
const STEP_TIMEOUT = 25_000;

beforeAll(() => assertBuilt());

function servoYaml(url: string): string {
  return `loadgen:
  publish: [{channel: load, count: ${TOTAL}}]
scripts:
  on:
    measure: [./measure.sh]
webhooks:
  store: sqlite:./webhooks.db
  lease: 1s
  concurrency: 4
  max_queue: 100
  drain_timeout: 2s
  webhooks:
    - name: sink
      channels: [load.*]
      events: after:measure
      url: ${url}
      secret: ${SECRET}
      timeout: 10s
      backoff: {max_tries: 100, max_time: 10m}
`;
}

/** One request as the receiver answered it. */
interface Arrival {
  readonly id: string;
  /** `Date.now()` at arrival. */
  readonly at: number;
  readonly req: RecordedRequest;
}

let receiver: Receiver | undefined;
let project: LoadProject | undefined;
const runs: ServoRun[] = [];

afterEach(async () => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await receiver?.close();
  project?.remove();
  receiver = undefined;
  project = undefined;
});

function start(p: LoadProject, env: Record<string, string> = {}): ServoRun {
  const run = startServoRun(p.configFile, p.dir, env);
  runs.push(run);
  return run;
}

async function stop(run: ServoRun): Promise<void> {
  run.child.kill('SIGTERM');
  expect(await run.exited).toEqual({ code: 0, signal: null });
}

/** Leaves TOTAL channel deliveries pending and unheld in the store: published by a run whose receiver answers 503, then stopped. */
async function seed(p: LoadProject, r: Receiver, db: string): Promise<void> {
  r.respond = () => ({ status: 503 });
  rmSync(p.path('loadgen.done'), { force: true });
  const before = Math.max(0, pendingCount(db));
  const run = start(p, PUBLISH_ENV);
  await until(
    () => p.published() && pendingCount(db) === before + TOTAL,
    () => `${TOTAL} pending deliveries (pending: ${pendingCount(db)}); stderr: ${run.stderr().slice(-2000)}`,
    STEP_TIMEOUT,
  );
  await stop(run);
}

let Database: typeof BetterSqlite3 | undefined;

/** Ids of the pending rows a process holds, read from the store file (the holder's name carries its pid). */
function heldBy(db: string, pid: number): string[] {
  Database ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 5000');
    const rows = conn.prepare('SELECT id, lease_owner FROM pending WHERE lease_owner IS NOT NULL').all() as { id: string; lease_owner: string }[];
    return rows.filter((row) => row.lease_owner.split(':').at(-2) === String(pid)).map((row) => row.id);
  } finally {
    conn.close();
  }
}

function counts(arrivals: readonly Arrival[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of arrivals) out.set(a.id, (out.get(a.id) ?? 0) + 1);
  return out;
}

describe('two servo run and servo measure on one sqlite store', () => {
  it('deliver every id exactly once; a runner killed mid-drain leaves its rows to the other once its lease expires', async () => {
    const r = (receiver = await startReceiver());
    const p = (project = makeLoadProject(servoYaml(r.url('/sink'))));
    writeFileSync(p.path('measure.sh'), MEASURE_SH);
    chmodSync(p.path('measure.sh'), 0o755);
    const db = p.path('webhooks.db');

    // Phase 1: two runners resume the same backlog while three measures queue their own deliveries.
    await seed(p, r, db);
    const phase1: Arrival[] = [];
    r.respond = async (req) => {
      phase1.push({ id: req.header('webhook-id') ?? '', at: Date.now(), req });
      await new Promise((done) => setTimeout(done, 2));
      return { status: 204 };
    };
    const a = start(p);
    const b = start(p);
    const measures = await Promise.all([1, 2, 3].map(() => runServo(['measure'], { config: p.configFile, cwd: p.dir })));
    for (const m of measures) expect(m.code, m.stderr).toBe(0);
    const wanted = TOTAL + measures.length;
    await until(
      () => pendingCount(db) === 0 && counts(phase1).size === wanted,
      () => `${wanted} distinct ids (got ${counts(phase1).size}, pending ${pendingCount(db)}); stderr: ${a.stderr().slice(-1000)} ${b.stderr().slice(-1000)}`,
      STEP_TIMEOUT,
    );
    // Longer than a lease and a rescan: a late duplicate would show by now.
    await new Promise((done) => setTimeout(done, 2 * LEASE_MS));
    const repeated = [...counts(phase1)].filter(([, n]) => n > 1);
    expect(repeated, 'ids delivered more than once').toEqual([]);
    expect(phase1.filter((x) => x.req.json<{ event?: string }>().event === 'after:measure')).toHaveLength(measures.length);
    await Promise.all([stop(a), stop(b)]);

    // Phase 2: a fresh backlog, two runners, slow answers; one runner is killed mid-drain.
    await seed(p, r, db);
    const phase2: Arrival[] = [];
    r.respond = async (req) => {
      phase2.push({ id: req.header('webhook-id') ?? '', at: Date.now(), req });
      await new Promise((done) => setTimeout(done, 40));
      return { status: 204 };
    };
    const victim = start(p);
    const survivor = start(p);
    await until(
      () => phase2.length >= 150 && heldBy(db, victim.child.pid!).length > 0,
      () => `150 deliveries under way with rows held by the victim (got ${phase2.length})`,
      STEP_TIMEOUT,
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const orphaned = heldBy(db, victim.child.pid!);
    expect(orphaned.length).toBeGreaterThan(0);

    await until(
      () => pendingCount(db) === 0,
      () => `the survivor to deliver everything (pending ${pendingCount(db)}); stderr: ${survivor.stderr().slice(-2000)}`,
      STEP_TIMEOUT,
    );
    const seen = counts(phase2);
    expect(seen.size).toBe(TOTAL);
    // The victim's rows reach the receiver again only after its lease ran out (its last heartbeat was at most a third of a lease before the kill).
    const orphans = new Set(orphaned);
    const retaken = phase2.filter((x) => orphans.has(x.id) && x.at > killedAt);
    expect(new Set(retaken.map((x) => x.id))).toEqual(orphans);
    for (const x of retaken) expect(x.at - killedAt, `${x.id} taken over before the lease expired`).toBeGreaterThanOrEqual((2 * LEASE_MS) / 3 - 50);
    // At least once: only rows the victim held (in flight or not yet removed at the kill) may arrive twice.
    for (const [id, n] of seen) if (n > 1) expect(orphans.has(id), `${id} delivered ${n} times`).toBe(true);
    await stop(survivor);
    expect(survivor.stderr()).not.toContain(SECRET);
  }, 90_000);
});
