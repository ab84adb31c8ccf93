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
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { pendingCount, startServoRun, until } from './processes.js';

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
    rx = await startReceiver(() => ({ status: 503 }));
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
    // 1. The receiver fails: the delivery stays in the store when the command ends.
    const first = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(first.code).toBe(0);
    expect(pendingCount(store)).toBe(1);
    const oldId = rx.requests[0]!.headers['webhook-id'];

    // 2. The receiver is back; another one-shot command delivers only its own.
    rx.respond = () => ({ status: 204 });
    const before = rx.requests.length;
    const second = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(second.code).toBe(0);
    const sent = rx.requests.slice(before).map((r) => r.headers['webhook-id']);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toBe(oldId);
    expect(pendingCount(store)).toBe(1);

    // 3. servo run resumes the backlog: the old id arrives, with its original id.
    const run = startServoRun(asm.configFile, asm.dir);
    try {
      await until(() => pendingCount(store) === 0, () => `still pending; stderr: ${run.stderr()}`, 20_000);
      expect(rx.requests.slice(before + 1).map((r) => r.headers['webhook-id'])).toContain(oldId);
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
    const [req] = await rx.waitFor(1);
    expect(run.stderr).toContain('1 webhook delivery was not delivered within drain_timeout');
    expect(run.stderr).toContain(`sink after:measure ${req!.headers['webhook-id']}`);
    expect(run.stderr).not.toContain('lost-secret');
  });
});
