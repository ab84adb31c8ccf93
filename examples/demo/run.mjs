#!/usr/bin/env node
// `npm run demo`: a receiver on 127.0.0.1 verifies signatures; `servo measure`
// sends an after:measure webhook carrying the measurement; `servo adjust` is
// cancelled by a before:adjust gate, and its adjust script never runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const servoBin = join(root, 'packages', 'servo', 'dist', 'cli', 'main.js');
if (!existsSync(servoBin)) {
  console.error('demo: the servo CLI is not built; run `npm install` (it builds) or `npm run build`');
  process.exit(2);
}

// Keep the gate's "no adjustments outside midnight-3am" rule, unless the demo runs inside that window.
const hour = new Date().getUTCHours();
const window = hour < 3 ? '03:00-06:00' : '00:00-03:00';
const work = mkdtempSync(join(tmpdir(), 'servo-demo-'));
const env = {
  ...process.env,
  WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  ADJUST_WINDOW: window,
  ADJUST_LOG: join(work, 'adjust.log'),
  SERVO_LOG_LEVEL: process.env.SERVO_LOG_LEVEL ?? 'warn',
};

const receiver = spawn(process.execPath, [join(here, '..', 'receiver', 'receiver.mjs'), '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let buf = '';
  receiver.stdout.on('data', (d) => {
    process.stdout.write(d);
    buf += d;
    const m = /listening on (http:\/\/\S+)/.exec(buf);
    if (m) resolve(m[1]);
  });
  receiver.on('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
});
env.RECEIVER_URL = url;

/** Runs the servo CLI as a user would, echoing its output; resolves with the exit code. */
async function servo(...args) {
  console.log(`\n$ servo ${args.join(' ')}`);
  const child = spawn(process.execPath, [servoBin, '--config', join(here, 'servo.yaml'), ...args], { env, cwd: here });
  child.stdout.on('data', (d) => process.stdout.write(d));
  child.stderr.on('data', (d) => process.stdout.write(String(d).replace(/^(?=.)/gm, '  stderr| ')));
  const code = await new Promise((resolve) => child.on('close', resolve));
  await new Promise((r) => setTimeout(r, 50)); // let the receiver's lines land before the next command
  console.log(`(exit code ${code})`);
  return code;
}

let ok = true;
try {
  ok = (await servo('webhooks', 'list')) === 0 && ok;
  ok = (await servo('measure')) === 0 && ok;
  const cancelled = await servo('adjust', 'web.cpu=1.5', 'web.replicas=3');
  const ran = existsSync(env.ADJUST_LOG) && readFileSync(env.ADJUST_LOG, 'utf8').trim().length > 0;
  console.log(ran ? '\nadjust.sh ran: the adjustment was applied' : '\nadjust.sh never ran: the gate cancelled the adjustment before it reached the target');
  ok = cancelled === 1 && !ran && ok;
  ok = (await servo('webhooks', 'trigger', 'before:adjust', 'adjustment_window')) === 0 && ok;
} finally {
  await new Promise((r) => setTimeout(r, 100)); // let the receiver print the last lines
  receiver.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
console.log(ok ? '\ndemo: done' : '\ndemo: something did not go as described above');
process.exitCode = ok ? 0 : 1;
