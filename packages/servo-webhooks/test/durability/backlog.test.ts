/**
 * Who delivers a sqlite backlog: `servo run` resumes it; a one-shot command
 * (`servo measure`) delivers only what it queued itself, so it neither races a
 * running servo for the same rows nor stalls on someone else's backlog. With a
 * memory store, a one-shot command names the deliveries it could not deliver.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../../../../test-support/index.js';
import { pendingCount, readStore, startServoRun, until } from './processes.js';

beforeAll(() => assertBuilt());

let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  asm?.remove();
  rx = undefined;
  asm = undefined;
});

describe('a sqlite backlog', () => {
  it('is left to servo run: servo measure sends only its own delivery, servo run resumes the old one', async () => {
    rx = await startReceiver(() => 'hang');
    asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:
  store: sqlite:./webhooks.db
  drain_timeout: 300ms
  webhooks:
    - name: sink
      events: after:measure
      url: ${rx.url()}
      secret: backlog-secret
      backoff: {max_tries: 50, max_time: 10m}
`);
    const store = join(asm.dir, 'webhooks.db');
    // 1. The receiver does not answer: the delivery stays in the store when the command ends.
    const first = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(first.code).toBe(0);
    expect(readStore(store).pending.map((p) => p.id)).toHaveLength(1);
    const oldId = readStore(store).pending[0]!.id;

    // 2. The receiver is back; another one-shot command delivers its own delivery only.
    rx.respond = () => ({ status: 204 });
    const before = rx.requests.length;
    const second = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(second.code).toBe(0);
    const fresh = rx.requests.slice(before).filter((r) => r.headers['webhook-id'] !== oldId);
    expect(fresh).toHaveLength(1);
    expect(readStore(store).pending.map((p) => p.id)).toEqual([oldId]); // the old one is still waiting

    // 3. servo run resumes the backlog: the old id arrives, with its original id.
    const beforeRun = rx.requests.length;
    const run = startServoRun(asm.configFile, asm.dir);
    try {
      await until(
        () => pendingCount(store) === 0,
        () => `still pending; stderr: ${run.stderr()}`,
        20_000,
      );
      expect(rx.requests.slice(beforeRun).map((r) => r.headers['webhook-id'])).toContain(oldId);
    } finally {
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    }
  });
});

describe('a memory store', () => {
  it('names what a one-shot command could not deliver within drain_timeout', async () => {
    rx = await startReceiver(() => 'hang');
    asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:
  drain_timeout: 300ms
  webhooks:
    - name: sink
      events: after:measure
      url: ${rx.url()}
      secret: lost-secret
`);
    const run = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('1 webhook delivery was not delivered within drain_timeout');
    const id = /sink after:measure (msg_[0-9A-Z]{26})/.exec(run.stderr)?.[1];
    expect(id).toBeDefined();
    // Whether or not the attempt reached the receiver before the drain ended, it is the one named.
    for (const r of rx.requests) expect(r.headers['webhook-id']).toBe(id);
    expect(run.stderr).not.toContain('lost-secret');
  });
});

describe('a webhook disabled by 410 Gone', () => {
  it('shows as disabled in list --stats, and `servo webhooks enable` makes a running servo send its kept delivery', async () => {
    rx = await startReceiver(() => ({ status: 410 }));
    asm = makeAssembly(`webhooks:
  store: sqlite:./webhooks.db
  webhooks:
    - name: sink
      events: after:startup
      url: ${rx.url()}
      secret: gone-secret
`);
    const store = join(asm.dir, 'webhooks.db');
    const run = startServoRun(asm.configFile, asm.dir);
    try {
      const [first] = await rx.waitFor(1, { timeoutMs: 20_000 });
      const opts = { config: asm.configFile, cwd: asm.dir };
      let stats = '';
      for (let i = 0; i < 100 && !stats.includes('yes: 410 Gone'); i++) {
        stats = (await runServo(['webhooks', 'list', '--stats'], opts)).stdout;
      }
      expect(stats).toMatch(/sink .* 1\s+0\s+yes: 410 Gone/);
      expect(pendingCount(store)).toBe(1); // kept, not dead-lettered

      rx.respond = () => ({ status: 204 });
      const enabled = await runServo(['webhooks', 'enable', 'sink'], opts);
      expect(enabled.code).toBe(0);
      expect(enabled.stdout).toContain('sink re-enabled');
      await until(
        () => pendingCount(store) === 0,
        () => `still pending; stderr: ${run.stderr()}`,
        20_000,
      );
      const resent = rx.requests.filter((r) => r.headers['webhook-id'] === first!.headers['webhook-id']);
      expect(resent.length).toBeGreaterThanOrEqual(2); // the same delivery, same id, once enabled

      const again = await runServo(['webhooks', 'enable', 'sink'], opts);
      expect(again.stdout).toContain('sink is not disabled');
    } finally {
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    }
  });
});
