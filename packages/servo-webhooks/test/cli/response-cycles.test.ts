/**
 * response_channel cycles: `servo validate` rejects any cycle channel ->
 * webhook -> response_channel, naming the whole cycle and each webhook's line;
 * at run time a message is never posted again through a webhook it passed
 * through, and travels a bounded number of hops (a cycle across two
 * connector instances, which no one section shows). Real receivers on 127.0.0.1.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { finished, runCli, sleep, startReceiver, startServo, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt } from '../helpers/cli.js';

let asm: Assembly;
let rx: Receiver;

beforeAll(() => assertBuilt());
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"seen": true}' }));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const hook = (name: string, lines: string) => `  - name: ${name}\n    url: ${rx.url(`/${name}`)}\n    secret: s\n${lines}`;

describe('servo validate', () => {
  it('rejects a 2-webhook cycle, naming the cycle at each webhook’s line', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
${hook('a', '    channels: c2\n    response_channel: c1\n')}${hook('b', '    channels: c1\n    response_channel: c2\n')}`);
    const run = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/servo\.yaml:10:\d+.*webhooks\[0\]\.response_channel: response_channel cycle: "a" -> c1 -> "b" -> c2 -> "a"/);
    expect(lines[1]).toMatch(/servo\.yaml:15:\d+.*webhooks\[1\]\.response_channel: response_channel cycle/);
  });

  it('rejects a 3-webhook cycle with fan-out (two subscribers of a channel), naming every member', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
${hook('a', '    events: after:measure\n    response_channel: c1\n')}${hook('b', '    channels: c1\n    response_channel: c2\n')}${hook('b2', '    channels: c1\n    response_channel: c3\n')}${hook('c', '    channels: c2\n    response_channel: c1\n')}`);
    const run = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/webhooks\[1\]\.response_channel: response_channel cycle: "b" -> c2 -> "c" -> c1 -> "b"/);
    expect(run.stderr).toMatch(/webhooks\[3\]\.response_channel: response_channel cycle/);
    expect(run.stderr.trim().split('\n')).toHaveLength(2);
    expect(run.stderr).not.toMatch(/webhooks\[[02]\]/); // a feeds the cycle, b2 leaves it: neither is in it
  });

  it('accepts a chain without a cycle', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
${hook('a', '    events: after:measure\n    response_channel: c1\n')}${hook('b', '    channels: c1\n    response_channel: c2\n')}${hook('c', '    channels: c2\n')}`);
    const run = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('servo run with a cycle across two connector instances', () => {
  it('posts each message at most once per webhook and stops: no storm', async () => {
    // Instance "webhooks": a (after:startup) -> c1; a2 subscribes c2 -> c1.
    // Instance "more": b and b2 (fan-out of two) subscribe c1 -> c2.
    asm.writeConfig(`connectors:
  webhooks: webhooks
  more: webhooks
${SCRIPTS_SECTION}webhooks:
${hook('a', '    events: after:startup\n    response_channel: c1\n')}${hook('a2', '    channels: c2\n    response_channel: c1\n')}more:
${hook('b', '    channels: c1\n    response_channel: c2\n')}${hook('b2', '    channels: c1\n    response_channel: c2\n')}`);
    const child = startServo(['run'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    const done = finished(child, 30_000, 'servo run');
    await rx.waitFor(3, { timeoutMs: 10_000 });
    await sleep(1500);
    const settled = rx.requests.length;
    await sleep(500);
    expect(rx.requests.length).toBe(settled);
    child.kill('SIGTERM');
    const run = await done;
    const byPath = new Map<string, number>();
    for (const r of rx.requests) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1);
    // a once; b, b2 once each from a; a2 from b and from b2; then b from b2's path and b2 from b's path; then nothing.
    expect(rx.requests.length).toBeLessThanOrEqual(12);
    expect(byPath.get('/a')).toBe(1);
    expect(run.stderr).toMatch(/already passed through webhook/);
  }, 40_000);
});
