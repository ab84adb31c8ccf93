/** `servo webhooks trigger --show-body` prints the exact body it sent (the bytes the receiver got). In-process CLI, a receiver on 127.0.0.1. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
let rx: Receiver;

beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver(() => ({ status: 204 }));
  asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  - name: store_measurements
    events: after:measure
    url: ${rx.url('/hook')}
    secret: a-long-enough-secret-for-tests
`);
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

it('prints the body byte for byte as sent, as text and in JSON', async () => {
  const run = await runCli(['webhooks', 'trigger', 'after:measure', '--show-body'], { config: asm.configFile, cwd: asm.dir });
  expect(run.code).toBe(0);
  const sent = rx.requests[0]!.body.toString('utf8');
  expect(run.stdout).toContain(`  -> body sent (${Buffer.byteLength(sent)} bytes):\n${sent}\n  <- 204`);
  const json = await runCli(['--output', 'json', 'webhooks', 'trigger', 'after:measure', '--show-body'], { config: asm.configFile, cwd: asm.dir });
  const [report] = JSON.parse(json.stdout) as { sent_body: string }[];
  expect(report!.sent_body).toBe(rx.requests[1]!.body.toString('utf8'));
  // Without the flag the body is not printed.
  const plain = await runCli(['webhooks', 'trigger', 'after:measure'], { config: asm.configFile, cwd: asm.dir });
  expect(plain.stdout).not.toContain('body sent');
});
