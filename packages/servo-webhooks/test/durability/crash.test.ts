/**
 * Crash safety of the SQLite store, end to end: `servo run` is killed with
 * SIGKILL while 1,000 channel deliveries are pending, then started again.
 * The receiver must end with all 1,000 delivery ids, and an id may arrive a
 * second time only when its first attempt was in flight at the kill.
 *
 * Everything is real: the built CLI in subprocesses, a connector package
 * publishing the load (test/durability/project.ts), the SQLite file, and a
 * receiver on 127.0.0.1 that logs every attempt and how it answered.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli.js';
import { startReceiver, type Receiver, type RecordedRequest } from '../../../../test-support/index.js';
import { signedWith } from '../helpers/verify.js';
import { makeLoadProject, PUBLISH_ENV, type LoadProject } from './project.js';
import { pendingCount, readStore, startServoRun, until, type PendingRow, type ServoRun } from './processes.js';

const TOTAL = 1000;
const CONCURRENCY = 8;
const SECRET = 'crash-test-secret-0123456789';
const STEP_TIMEOUT = 20_000;

beforeAll(() => assertBuilt());

function servoYaml(url: string): string {
  return `loadgen:
  publish: [{channel: load, count: ${TOTAL}}]
webhooks:
  store: sqlite:./webhooks.db
  lease: 1s # the killed run's rows are taken over once its lease expires
  concurrency: ${CONCURRENCY}
  drain_timeout: 10s
  webhooks:
    - name: sink
      channels: [load.*]
      url: ${url}
      secret: ${SECRET}
      timeout: 2m
      backoff: {max_tries: 100, max_time: 10m}
`;
}

/** How the receiver answered one attempt: 2xx, an error status, or not at all (in flight when the sender died). */
type Answer = 'ok' | 'error' | 'unanswered';

/** One attempt as the receiver saw it. */
interface Receipt {
  readonly req: RecordedRequest;
  readonly id: string;
  /** The message number the loadgen put in the body. */
  readonly i: number;
  readonly phase: 1 | 2;
  answer: Answer;
  /** 1-based order of the 2xx answers of phase 1. */
  ack?: number;
}

/** Every attempt the receiver got, in arrival order. */
class Ledger {
  readonly receipts: Receipt[] = [];
  phase: 1 | 2 = 1;

  record(req: RecordedRequest): Receipt {
    const id = req.header('webhook-id') ?? '';
    const r: Receipt = { req, id, i: (req.json() as { i: number }).i, phase: this.phase, answer: 'unanswered' };
    this.receipts.push(r);
    return r;
  }

  of(phase: 1 | 2): Receipt[] {
    return this.receipts.filter((r) => r.phase === phase);
  }

  okIds(phase?: 1 | 2): Set<string> {
    return new Set(this.receipts.filter((r) => r.answer === 'ok' && (phase === undefined || r.phase === phase)).map((r) => r.id));
  }
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

async function setUp(): Promise<{ r: Receiver; p: LoadProject; ledger: Ledger; db: string }> {
  const r = (receiver = await startReceiver());
  const p = (project = makeLoadProject(servoYaml(r.url('/sink'))));
  return { r, p, ledger: new Ledger(), db: p.path('webhooks.db') };
}

function start(p: LoadProject, env: Record<string, string> = {}): ServoRun {
  const run = startServoRun(p.configFile, p.dir, env);
  runs.push(run);
  return run;
}

/** SIGKILLs run 1, waits until it is gone and the receiver has seen each of its open requests drop. */
async function crash(run: ServoRun, r: Receiver, ledger: Ledger): Promise<PendingRow[]> {
  if (run.child.signalCode === null) run.child.kill('SIGKILL');
  expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // Every attempt of the dead process is accounted for before phase 2 starts answering.
  await Promise.all(
    ledger
      .of(1)
      .filter((x) => x.answer === 'unanswered')
      .map((x) => r.waitForAbort(x.req, STEP_TIMEOUT)),
  );
  ledger.phase = 2;
  return readStore(project!.path('webhooks.db')).pending;
}

/** Runs servo again with a healthy receiver until every pending delivery arrived, then stops it with SIGTERM. */
async function recover(p: LoadProject, r: Receiver, ledger: Ledger, pendingAtKill: PendingRow[]): Promise<void> {
  r.respond = (req) => {
    ledger.record(req).answer = 'ok';
    return { status: 204 };
  };
  const run = start(p); // no LOADGEN_PUBLISH: this run only resumes
  const want = new Set(pendingAtKill.map((row) => row.id));
  await until(
    () => [...want].every((id) => ledger.okIds(2).has(id)),
    () => `the restarted servo to deliver ${want.size} pending deliveries (got ${ledger.okIds(2).size}); stderr: ${run.stderr().slice(-2000)}`,
    STEP_TIMEOUT,
  );
  run.child.kill('SIGTERM');
  expect(await run.exited).toEqual({ code: 0, signal: null });
  expect(run.stderr()).not.toContain(SECRET);
}

/**
 * The requirement, checked from the receiver's log and the store file:
 * all ids arrive, none is lost or invented, and an id arrives again only if
 * its earlier attempt was in flight at the kill (`inFlight`).
 */
function expectRecovered(ledger: Ledger, pendingAtKill: PendingRow[], inFlight: ReadonlySet<string>): void {
  // Identity of the 1,000 deliveries: id <-> message number, one to one.
  const idOf = new Map<number, string>();
  const note = (i: number, id: string): void => {
    expect(idOf.get(i) ?? id, `message ${i} has one id`).toBe(id);
    idOf.set(i, id);
  };
  for (const x of ledger.receipts) note(x.i, x.id);
  for (const row of pendingAtKill) note((JSON.parse(row.body.toString('utf8')) as { i: number }).i, row.id);
  expect([...idOf.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
  const allIds = new Set(idOf.values());
  expect(allIds.size).toBe(TOTAL);

  // The receiver ends with all 1,000 ids accepted.
  expect(ledger.okIds()).toEqual(allIds);

  // The restarted servo sent exactly what the store held at the kill, each once, the stored bytes, signed.
  const phase2 = ledger.of(2);
  const bodyAtKill = new Map(pendingAtKill.map((row) => [row.id, row.body]));
  expect(phase2.map((x) => x.id).sort()).toEqual([...bodyAtKill.keys()].sort());
  for (const x of phase2) {
    expect(x.req.body.equals(bodyAtKill.get(x.id)!), `body of ${x.id} resent byte for byte`).toBe(true);
    expect(signedWith(SECRET, x.req), `signature of ${x.id}`).toBe(true);
    expect(x.req.header('x-servo-delivery')).toBe(x.id);
  }

  // Duplicates: an id seen again after an attempt that did not fail (accepted, or never answered).
  const duplicates = new Set<string>();
  const notFailed = new Set<string>();
  for (const x of ledger.receipts) {
    if (notFailed.has(x.id)) duplicates.add(x.id);
    if (x.answer !== 'error') notFailed.add(x.id);
  }
  for (const id of duplicates) expect(inFlight.has(id), `duplicate ${id} was in flight at the kill`).toBe(true);
}

describe('servo run killed with SIGKILL, sqlite store', () => {
  it('with 1,000 deliveries pending: the restart delivers all of them; only attempts in flight at the kill repeat', async () => {
    const { r, p, ledger, db } = await setUp();
    // Phase 1: the first attempts fail with 503 (rescheduled), then every attempt hangs until the kill.
    const FAILING = 3;
    let arrivals = 0;
    r.respond = (req) => {
      const x = ledger.record(req);
      if (++arrivals <= FAILING) {
        x.answer = 'error';
        return { status: 503 };
      }
      return 'hang';
    };
    const run1 = start(p, PUBLISH_ENV);
    await until(
      () => p.published() && pendingCount(db) === TOTAL && ledger.of(1).filter((x) => x.answer === 'unanswered').length === CONCURRENCY,
      () =>
        `${TOTAL} pending deliveries and ${CONCURRENCY} attempts in flight (published: ${p.published()}, pending: ${pendingCount(db)}, ` +
        `attempts: ${ledger.receipts.length}); stderr: ${run1.stderr().slice(-2000)}`,
      STEP_TIMEOUT,
    );
    const inFlight = new Set(
      ledger
        .of(1)
        .filter((x) => x.answer === 'unanswered')
        .map((x) => x.id),
    );

    const pendingAtKill = await crash(run1, r, ledger);
    expect(pendingAtKill).toHaveLength(TOTAL);
    expect(ledger.okIds(1).size).toBe(0);

    await recover(p, r, ledger, pendingAtKill);
    expectRecovered(ledger, pendingAtKill, inFlight);
    // Each attempt hanging at the kill had to be sent again: the duplicates are exactly those.
    expect(inFlight.size).toBe(CONCURRENCY);
    for (const id of inFlight) expect(ledger.receipts.filter((x) => x.id === id && x.answer === 'ok')).toHaveLength(1);
    expect(readStore(db)).toEqual({ pending: [], dead: 0 });
  }, 55_000);

  it('while deliveries are being accepted: nothing is lost, and only the last answers before the kill are sent again', async () => {
    const { r, p, ledger, db } = await setUp();
    // Phase 1: attempts wait until all 1,000 are stored, then get 204s; at the KILL_AT-th 204 the servo is killed.
    const KILL_AT = 300;
    // Attempts whose 204 the servo may not have processed and committed yet: those in flight, and one batch just judged.
    const WINDOW = 2 * CONCURRENCY;
    let open!: () => void;
    const allStored = new Promise<void>((resolve) => (open = resolve));
    let acks = 0;
    let killed = false;
    let run1: ServoRun | undefined;
    r.respond = async (req) => {
      const x = ledger.record(req);
      await allStored;
      if (killed) return 'hang';
      x.answer = 'ok';
      x.ack = ++acks;
      if (acks === KILL_AT) {
        killed = true;
        run1!.child.kill('SIGKILL');
      }
      return { status: 204 };
    };
    run1 = start(p, PUBLISH_ENV);
    await until(
      () => p.published(),
      () => `the loadgen to publish ${TOTAL} messages; stderr: ${run1!.stderr().slice(-2000)}`,
      STEP_TIMEOUT,
    );
    expect(pendingCount(db)).toBe(TOTAL);
    open();
    await until(
      () => killed,
      () => `${KILL_AT} accepted deliveries (got ${acks})`,
      STEP_TIMEOUT,
    );

    const pendingAtKill = await crash(run1, r, ledger);
    const acked = ledger.of(1).filter((x) => x.answer === 'ok');
    expect(acked).toHaveLength(KILL_AT);
    // Accepted and committed as delivered: gone from the store. Accepted but not yet committed: at most the window.
    const stillPending = new Set(pendingAtKill.map((row) => row.id));
    const ackedPending = acked.filter((x) => stillPending.has(x.id));
    expect(ackedPending.length).toBeLessThanOrEqual(WINDOW);
    expect(pendingAtKill.length).toBe(TOTAL - KILL_AT + ackedPending.length);

    const inFlight = new Set(
      ledger
        .of(1)
        .filter((x) => x.answer === 'unanswered' || (x.answer === 'ok' && x.ack! > KILL_AT - WINDOW))
        .map((x) => x.id),
    );
    await recover(p, r, ledger, pendingAtKill);
    expectRecovered(ledger, pendingAtKill, inFlight);
    expect(readStore(db)).toEqual({ pending: [], dead: 0 });
  }, 55_000);
});
