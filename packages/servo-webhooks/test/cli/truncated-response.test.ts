/**
 * A response cut at `body_cap` is not published on the webhook's
 * `response_channel` as if whole: it is logged (size, cap) and dropped; a
 * whole one still is. `servo run` as a process, receivers on 127.0.0.1.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { finished, sleep, startReceiver, startServo, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt } from '../helpers/cli.js';

let asm: Assembly;
let rx: Receiver;
let size = 0;

beforeAll(() => assertBuilt());
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver((req) =>
    req.path === '/source'
      ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(size) }) }
      : { status: 204 },
  );
  asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  body_cap: 2048
  webhooks:
    - name: source
      events: after:startup
      url: ${rx.url('/source')}
      secret: s
      response_channel: answers
    - name: sink
      channels: answers
      url: ${rx.url('/sink')}
      secret: s
`);
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

async function runFor(ms: number) {
  const child = startServo(['run'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
  const done = finished(child, 30_000, 'servo run');
  await rx.waitFor(1, { timeoutMs: 10_000 });
  await sleep(ms);
  child.kill('SIGTERM');
  return done;
}

describe('a response larger than body_cap', () => {
  it('is logged with its size and the cap, and not published', async () => {
    size = 10_000;
    const run = await runFor(800);
    expect(rx.requests.filter((r) => r.path === '/sink')).toHaveLength(0);
    expect(run.stderr).toMatch(/larger than body_cap \(2048 bytes\): not published on \\?"answers\\?"/);
  });

  it('a whole response is published', async () => {
    size = 100;
    await runFor(800);
    const sink = rx.requests.filter((r) => r.path === '/sink');
    expect(sink).toHaveLength(1);
    expect(sink[0]!.json().pad).toHaveLength(100);
  });
});
