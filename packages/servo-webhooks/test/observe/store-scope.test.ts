/**
 * With a sqlite store, the pending and dead gauges are the store's counts (every process sharing
 * the file), labelled scope="store"; /readyz checks that the file is writable.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReceiver, type CliRun, type Receiver } from '../../../../test-support/index.js';
import { assertBuilt } from '../helpers/cli.js';
import { startServed } from './served.js';
import { parseMetrics, sampleValue } from './prometheus.js';

let dir: string;
let r: Receiver;
let child: ChildProcess;
let exit: Promise<CliRun>;
let base: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'servo-endpoint-store-'));
  r = await startReceiver(() => ({ status: 404 }));
  writeFileSync(
    join(dir, 'servo.yaml'),
    `name: stored
scripts:
  on: {}
webhooks:
  store: sqlite:./webhooks.db
  webhooks:
    - name: rejects
      events: after:startup
      url: ${r.url('/missing')}
      secret: store-scope-secret-123
`,
  );
  ({ child, exit, base } = await startServed(['run', '--http', '127.0.0.1:0'], { config: join(dir, 'servo.yaml') }));
  await r.waitFor(1, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  expect((await exit).code).toBe(0);
  await r.close();
  rmSync(dir, { recursive: true, force: true });
});

it('labels the sqlite store counts scope="store", and /readyz finds the store writable', async () => {
  let m = parseMetrics(await (await fetch(`${base}/metrics`)).text());
  for (let i = 0; i < 50 && sampleValue(m, 'servo_webhook_dead', { webhook: 'rejects' }) !== 1; i++) {
    await new Promise((res) => setTimeout(res, 100));
    m = parseMetrics(await (await fetch(`${base}/metrics`)).text());
  }
  expect(sampleValue(m, 'servo_webhook_dead', { webhook: 'rejects', scope: 'store' })).toBe(1);
  expect(sampleValue(m, 'servo_webhook_pending', { webhook: 'rejects', scope: 'store' })).toBe(0);
  expect(sampleValue(m, 'servo_webhook_dead', { webhook: 'rejects', scope: 'process' })).toBeUndefined();
  expect(sampleValue(m, 'servo_webhook_deliveries_total', { webhook: 'rejects', outcome: 'dead' })).toBe(1);
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', checks: { 'webhooks.store': { ok: true, detail: 'sqlite' } } });
});
