/**
 * The receivers users copy from examples/receivers/ — node:http on the
 * toolkit, the Fetch-API handler, and Python's standard library — each run
 * as a subprocess and fed real signed deliveries from the servo: accepted,
 * tampered (refused), replayed (answered, handled once), and a before:adjust
 * gate that cancels `servo adjust`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, runCli, skipWithout, startReceiver, WORKSPACE, waitFor } from '../../../../test-support/index.js';
import { signRequest } from '../../src/signing.js';
import { type Assembly, makeAssembly, SCRIPTS_SECTION } from '../helpers/assembly.js';

const WHSEC = 'whsec_ZXhhbXBsZS1yZWNlaXZlcnMtc2VjcmV0'; // Standard Webhooks key: the base64 after the prefix
const RAW = 'example receivers secret'; // any other secret: its UTF-8 bytes
const DIR = `${WORKSPACE}/examples/receivers`;

const noPython = skipWithout('python3', ['-c', 'pass']); // in CI a missing python3 fails
const receivers = [
  { name: 'node-http.mjs', command: process.execPath, skip: false, SECRET: WHSEC, kind: 'whsec_' },
  { name: 'fetch-handler.mjs', command: process.execPath, skip: false, SECRET: RAW, kind: 'raw' },
  { name: 'receiver.py', command: 'python3', skip: noPython, SECRET: WHSEC, kind: 'whsec_' },
  { name: 'receiver.py', command: 'python3', skip: noPython, SECRET: RAW, kind: 'raw' },
];

describe.each(receivers)('examples/receivers/$name, $kind secret', ({ name, command, skip, SECRET }) => {
  let child: ChildProcess;
  let output = '';
  let asm: Assembly;
  let capture: Receiver;
  let url = '';

  beforeAll(async () => {
    if (skip) return;
    child = spawn(command, [`${DIR}/${name}`, '--port', '0'], {
      env: { PATH: process.env.PATH, WEBHOOK_SECRET: SECRET, MAX_REPLICAS: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', (d: string) => (output += d));
    await waitFor(() => /listening on http:\/\/\S+/.test(output) || child.exitCode !== null, 10_000, `${name} to listen`);
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    expect(url, output).not.toBe('');
    capture = await startReceiver();
    asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:
  - name: example
    events: [after:measure, before:adjust]
    url: ${url}/hook
    secret: ${SECRET}
    backoff: false
  - name: capture
    events: after:measure
    url: ${capture.url()}
    secret: ${SECRET}
    backoff: false
`);
  });
  afterAll(async () => {
    child?.kill('SIGTERM');
    asm?.remove();
    await capture?.close();
  });

  /** A real delivery from the servo, captured on its way, to send to the example as is or altered. */
  async function delivery(): Promise<{ body: Buffer; headers: Record<string, string> }> {
    const run = await runCli(['webhooks', 'trigger', 'after:measure', 'capture'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [req] = (await capture.waitFor(capture.requests.length)).slice(-1);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-servo-signature', 'x-servo-event']) headers[h] = req!.header(h)!;
    return { body: req!.body, headers };
  }

  const post = (body: Buffer, headers: Record<string, string>) =>
    fetch(`${url}/hook`, { method: 'POST', body: new Uint8Array(body), headers }).then((r) => r.status);

  it.skipIf(skip)('verifies and handles an event sent by servo webhooks trigger', async () => {
    const run = await runCli(['webhooks', 'trigger', 'after:measure', 'example'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code, run.stdout + run.stderr + output).toBe(0);
    await waitFor(() => /receiver: after:measure id msg_/.test(output), 5_000, 'the receiver to print the event');
  });

  it.skipIf(skip)('refuses a tampered body with 401 and does not handle it', async () => {
    const { body, headers } = await delivery();
    const tampered = Buffer.from(body.toString('utf8').replace('"after:measure"', '"after:measure" '));
    expect(await post(tampered, headers)).toBe(401);
    await waitFor(() => output.includes('receiver: rejected'), 5_000, 'the receiver to print the rejection');
    expect(output).not.toContain(`id ${headers['webhook-id']}`);
  });

  it.skipIf(skip)('refuses a delivery signed correctly 10 minutes ago (outside the tolerance)', async () => {
    const { body, headers } = await delivery();
    const stale = signRequest(SECRET, 'msg_stale', body, Math.floor(Date.now() / 1000) - 600);
    expect(await post(body, { ...headers, ...stale })).toBe(401);
    await waitFor(() => output.includes('receiver: rejected'), 5_000, 'the receiver to print the rejection');
    expect(output).not.toContain('id msg_stale');
  });

  it.skipIf(skip)('answers a replayed delivery (same id) with 2xx without handling it twice', async () => {
    const { body, headers } = await delivery();
    const id = headers['webhook-id']!;
    expect(await post(body, headers)).toBeLessThan(300);
    expect(await post(body, headers)).toBeLessThan(300);
    await waitFor(() => output.includes(`${id} duplicate, already handled`), 5_000, 'the receiver to print the duplicate');
    expect(output.split(`after:measure id ${id}`).length - 1).toBe(1);
  });

  it.skipIf(skip)('gates before:adjust: more than 3 replicas cancels servo adjust, within the limit it proceeds', async () => {
    const denied = await runCli(['adjust', 'web.replicas=5'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect(denied.code, denied.stdout + denied.stderr).toBe(1);
    expect(denied.stderr).toContain('at most 3 replicas are allowed, web asked for 5');
    expect(asm.adjustRan()).toBe(false);
    const allowed = await runCli(['adjust', 'web.replicas=2'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect(allowed.code, allowed.stdout + allowed.stderr + output).toBe(0);
    expect(asm.adjustRan()).toBe(true);
  });
});
