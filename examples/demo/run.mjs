#!/usr/bin/env node
// `npm run demo`: `servo run` driven by an optimizer. A fake optimizer (servo-core/optimizer/fake)
// sends describe -> measure -> an adjustment to 5 replicas, which the before:adjust webhook
// denies (the receiver allows at most 3) -> measure -> an adjustment to 3 replicas, which it
// allows. A receiver on 127.0.0.1 verifies every webhook's signatures. The demo prints the
// timeline (optimizer commands, the servo's replies and statuses, webhooks delivered, the cancel
// reason) and checks that the optimizer received `cancelled` with the webhook's reason for the
// denied adjustment and `ok` for the allowed one, and that the adjust script ran only for the
// allowed one. Exit 1 otherwise.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const servoBin = join(root, 'packages', 'servo', 'dist', 'cli', 'main.js');
if (!existsSync(servoBin) || !existsSync(join(root, 'packages', 'servo', 'dist', 'optimizer', 'fake', 'index.js'))) {
  console.error('demo: the servo CLI is not built; run `npm install` (it builds) or `npm run build`');
  process.exit(2);
}
const { startFakeOptimizer, formatEvent, escapeText } = await import('servo-core/optimizer/fake');

const MAX_REPLICAS = 3;
const DENIED_REASON = `Unable to authorize adjustment: at most ${MAX_REPLICAS} replicas are allowed, web asked for 5.`;
const LIMIT_MS = 30_000;
const started = performance.now();
const line = (who, text) => console.log(`[${((performance.now() - started) / 1000).toFixed(3).padStart(6)}s] ${who.padEnd(9)} ${text}`);

const work = mkdtempSync(join(tmpdir(), 'servo-demo-'));
const env = {
  ...process.env,
  WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  OPSANI_TOKEN: randomBytes(16).toString('hex'),
  ADJUST_WINDOW: '00:00-24:00', // no time window in this demo: the replicas rule decides
  MAX_REPLICAS: String(MAX_REPLICAS),
  ADJUST_LOG: join(work, 'adjust.log'),
};
delete env.SERVO_LOG_LEVEL;

const children = [];
let ok = false;
try {
  // 1. The receiver, in its own process; its lines join the timeline.
  const receiver = spawn(process.execPath, [join(here, '..', 'receivers', 'receiver.mjs'), '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(receiver);
  env.RECEIVER_URL = await new Promise((resolve, reject) => {
    let buf = '';
    receiver.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]);
        else line('receiver', text.replace(/^receiver: ?/, ''));
        nl = buf.indexOf('\n');
      }
    });
    receiver.on('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });

  // 2. The fake optimizer, in this process, with the plan.
  const fake = await startFakeOptimizer({
    token: env.OPSANI_TOKEN,
    id: 'demo.example/app',
    plan: {
      steps: [
        { describe: null, expect: 'ok' },
        { measure: { metrics: ['throughput', 'latency_p99'], control: { duration: '1s' } }, expect: 'ok' },
        { adjust: { settings: { 'web.replicas': 5, 'web.cpu': 1.5 } }, expect: { status: 'cancelled', reason: 'at most 3 replicas' } },
        { measure: { metrics: ['throughput', 'latency_p99'], control: { duration: '1s' } }, expect: 'ok' },
        { adjust: { settings: { 'web.replicas': 3, 'web.cpu': 1.5 } }, expect: 'ok' },
      ],
    },
    onEvent: (e) => {
      const text = e.type === 'plan-end' ? undefined : formatEvent(e);
      if (text) line('optimizer', text);
    },
  });
  line('demo', `fake optimizer on ${fake.url} (optimizer ${fake.id}); receiver on ${env.RECEIVER_URL}`);

  // 3. servo run against it: the optimizer from servo.yaml's optimizer: section, the token from OPSANI_TOKEN.
  env.OPTIMIZER_URL = fake.url;
  line('demo', '$ servo run');
  const servo = spawn(process.execPath, [servoBin, '--config', join(here, 'servo.yaml'), 'run'], { env, cwd: here, stdio: ['ignore', 'inherit', 'pipe'] });
  children.push(servo);
  servo.stderr.setEncoding('utf8');
  let rest = '';
  servo.stderr.on('data', (d) => {
    rest += d;
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const l of lines) showServoLog(l);
  });
  const exited = new Promise((resolve) => servo.on('exit', (code, signal) => resolve({ code, signal })));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), LIMIT_MS).unref());

  // 4. Once the plan has run, stop the servo as an operator would.
  const ended = await Promise.race([fake.planEnded, exited.then(() => 'exited'), timeout]);
  if (ended === 'timeout' || ended === 'exited')
    line('demo', ended === 'timeout' ? `the plan did not finish within ${LIMIT_MS / 1000} s` : 'servo run exited before the plan finished');
  if (servo.exitCode === null) {
    line('demo', 'plan done: sending SIGTERM to the servo');
    servo.kill('SIGTERM');
  }
  const exit = await exited;
  const result = await Promise.race([fake.done, new Promise((r) => setTimeout(() => r(fake.result()), 2000))]);
  await fake.close();
  console.log(`\n${fake.summary()}`);

  // 5. The checks.
  const [, , denied, , allowed] = result.steps;
  const adjustLog = existsSync(env.ADJUST_LOG) ? readFileSync(env.ADJUST_LOG, 'utf8').trim().split('\n').filter(Boolean) : [];
  const checks = [
    ['servo run exited 0 after SIGTERM', exit.code === 0],
    ['the servo said GOODBYE', result.goodbye !== undefined],
    ['every step went as planned', result.ok],
    [`the denied adjustment was reported cancelled with the webhook's reason`, denied?.status === 'cancelled' && denied.reason === DENIED_REASON],
    ['the cancel message names the webhook', (denied?.message ?? '').includes('webhook "adjustment_window"')],
    ['the allowed adjustment was reported ok', allowed?.status === 'ok'],
    ['adjust.sh ran once, for the allowed adjustment only', adjustLog.length === 1 && adjustLog[0].includes('"value":3')],
  ];
  console.log(`cancel reason the optimizer received: ${denied?.reason === undefined ? '(none)' : `"${escapeText(denied.reason)}"`}`);
  for (const [what, passed] of checks) console.log(`${passed ? 'ok  ' : 'FAIL'} ${what}`);
  ok = checks.every(([, passed]) => passed);
} finally {
  await new Promise((r) => setTimeout(r, 100)); // let the receiver print its last lines
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
console.log(ok ? '\ndemo: done' : '\ndemo: something did not go as described above');
process.exitCode = ok ? 0 : 1;

/** A servo log line in the timeline: webhook attempts and anything at warn or above; the loop's own lines are the optimizer's. */
function showServoLog(text) {
  let entry;
  try {
    entry = JSON.parse(text);
  } catch {
    if (text.trim()) line('servo', escapeText(text));
    return;
  }
  if (entry.webhook !== undefined && entry.outcome !== undefined) {
    const result = entry.status !== undefined ? `HTTP ${entry.status}` : escapeText(String(entry.error ?? ''));
    line(
      'servo',
      `webhook ${escapeText(String(entry.webhook))} ${escapeText(String(entry.event))}: ${result}, ${escapeText(String(entry.outcome))} (${entry.latency_ms} ms)`,
    );
  } else if (entry.level >= 40) {
    line('servo', `${entry.level >= 50 ? 'error' : 'warning'}: ${escapeText(String(entry.msg))}`);
  }
}
