/**
 * examples/receivers/receiver.mjs, run as a subprocess against real signed
 * deliveries: events (through `servo webhooks trigger`), ping, channel
 * messages (no `webhook` field, not JSON), and what it must refuse without
 * crashing: a tampered body, a wrong secret, stale and non-numeric
 * timestamps, an oversize body.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, WORKSPACE } from '../../../../test-support/index.js';
import { signRequest } from '../../src/signing.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

const SECRET = 'example-receiver-secret';
let child: ChildProcess;
let url = '';
let output = '';
let asm: Assembly;

beforeAll(async () => {
  child = spawn(process.execPath, [`${WORKSPACE}/examples/receivers/receiver.mjs`, '--port', '0'], {
    env: { PATH: process.env.PATH, WEBHOOK_SECRET: SECRET, ADJUST_WINDOW: '00:00-23:59' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver did not start: ${output}`)), 10_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  asm = makeAssembly(`${SCRIPTS_SECTION}webhooks:
  - name: example
    events: [after:measure, before:adjust]
    url: ${url}/hook
    secret: ${SECRET}
    backoff: false
`);
});
afterAll(() => {
  child.kill('SIGTERM');
  asm.remove();
});

/** POSTs `body` signed with `secret` (or with `sign` overriding headers) and returns the status. */
async function post(body: Buffer, opts: { secret?: string; event?: string; contentType?: string; headers?: Record<string, string>; signed?: Buffer } = {}) {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const signed = signRequest(opts.secret ?? SECRET, id, opts.signed ?? body, Math.floor(Date.now() / 1000));
  const res = await fetch(`${url}/hook`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': opts.contentType ?? 'application/json', 'x-servo-event': opts.event ?? 'channel:metrics', ...signed, ...opts.headers },
  }).catch((err: Error) => ({ status: `error: ${err.message}` }));
  return res.status;
}

function standardSignature(id: string, timestamp: string, body: Buffer): string {
  return `v1,${createHmac('sha256', Buffer.from(SECRET)).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

describe('the example receiver', () => {
  it('accepts real events and a ping sent by servo webhooks trigger', async () => {
    for (const args of [['after:measure'], ['before:adjust'], ['ping']]) {
      const run = await runCli(['webhooks', 'trigger', ...args, 'example'], { config: asm.configFile, cwd: asm.dir });
      expect(run.code, `${args}: ${run.stdout}${run.stderr}${output}`).toBe(0);
    }
    expect(output).toMatch(/receiver: after:measure from .* signatures verified/);
    expect(output).toMatch(/receiver: ping from/);
  });

  it('accepts channel messages: JSON without an envelope, and a body that is not JSON', async () => {
    expect(await post(Buffer.from('{"cpu": 0.5}'))).toBe(204);
    expect(await post(Buffer.from('not json at all'), { contentType: 'text/plain' })).toBe(204);
    expect(await post(Buffer.from('{"broken'), { contentType: 'application/json', event: 'after:measure' })).toBe(204);
    expect(output).toMatch(/channel:metrics message, \d+ bytes of text\/plain/);
  });

  it('refuses a tampered body and a wrong secret', async () => {
    expect(await post(Buffer.from('{"cpu": 9}'), { signed: Buffer.from('{"cpu": 1}') })).toBe(401);
    expect(await post(Buffer.from('{"cpu": 1}'), { secret: 'not-the-secret' })).toBe(401);
  });

  it('refuses stale and non-numeric timestamps, correctly signed', async () => {
    const body = Buffer.from('{"cpu": 1}');
    for (const timestamp of [String(Math.floor(Date.now() / 1000) - 3600), 'abc', '1e3']) {
      const id = 'msg_ts';
      const signed = signRequest(SECRET, id, body, Math.floor(Date.now() / 1000));
      const headers = { 'webhook-timestamp': timestamp, 'webhook-signature': standardSignature(id, timestamp, body), 'webhook-id': id };
      expect(await post(body, { headers: { ...signed, ...headers } }), timestamp).toBe(401);
    }
  });

  it('refuses an oversize body with 413 and keeps serving', async () => {
    const status = await post(Buffer.alloc(2 * 1024 * 1024, 0x61), { contentType: 'text/plain' });
    expect([413, 'error: fetch failed']).toContain(status);
    expect(await post(Buffer.from('{"still": "alive"}'))).toBe(204);
    expect(child.exitCode).toBeNull();
  });
});
