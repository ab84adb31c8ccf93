#!/usr/bin/env node
// Goals of the optimization loop (`servo run` against an optimizer):
// 6a. one cycle (WHATS_NEXT -> MEASURE with a no-op measure connector -> MEASUREMENT) costs at most 1.3x the
//     same two round trips made by a bare pooled undici client to the same fake optimizer;
// 6b. with a 20 ms measure and 10 after:measure webhooks to a receiver that answers after 2 s, the cycle grows
//     by at most 1 ms (median) over the same loop without the webhooks.
//
// The fake optimizer (servo-core/optimizer/fake) runs in this process with a plan of N+W measure steps and
// times each cycle the same way for every client: the interval between two WHATS_NEXT arrivals (the first W
// cycles are warm-up). Clients run in their own processes:
// - the servo: the built `servo run` (packages/servo/dist/cli/main.js, --log-level warn) in a temp project whose
//   servo.yaml has a `bench_measure` connector (a JS package in the project's node_modules answering measure
//   with 3 metrics x 4 readings, after `delay_ms`) and the `optimizer:` section; for 6b also the webhooks
//   connector (memory store, drain_timeout 1s) with 10 after:measure webhooks to bench/receiver.mjs in delay
//   mode (2 s);
// - the bare client (this file with --bare, forked): one undici Agent, POST WHATS_NEXT, POST MEASUREMENT with
//   the very param the servo sent in the previous round (cmd_uid replaced), both answers read and parsed.
// Rounds alternate between the two sides being compared; the figures are medians over every timed cycle.
//
// Usage: node bench/runner.mjs [cycles per round for 6a=1000] [rounds=4]
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--bare') await bareClient();
else await main();

async function main() {
  const { root, startReceiver, median, quantile, withTimeout, SECRET } = await import('./lib.mjs');
  const N = Number(process.argv[2] ?? 1000);
  const ROUNDS = Number(process.argv[3] ?? 4);
  const WARM = 100; // 6a: warm-up cycles per round
  const WARM_SLOW = 20; // 6b
  const N_SLOW = 100; // 6b: cycles of ~22 ms per round
  const ROUND_MAX_MS = 20_000;
  const GOAL_RATIO = 1.3;
  const GOAL_ADDED_MS = 1;
  const TOKEN = 'bench-token-0123456789';
  const ID = 'bench.example/app';
  const SERVO = join(root, 'packages/servo/dist/cli/main.js');
  const FAKE = join(root, 'packages/servo/dist/optimizer/fake/index.js');
  if (!existsSync(SERVO) || !existsSync(FAKE)) {
    console.error('bench/runner.mjs: build first (npm run build)');
    process.exit(2);
  }
  const { startFakeOptimizer } = await import(FAKE);
  const started = performance.now();

  // The temp project: the measure connector as an installed package, servo-core beside it.
  const dir = mkdtempSync(join(tmpdir(), 'servo-bench-runner-'));
  const pkg = join(dir, 'node_modules', 'servo-bench-measure');
  mkdirSync(pkg, { recursive: true });
  symlinkSync(join(root, 'packages/servo'), join(dir, 'node_modules', 'servo-core'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-runner', private: true, dependencies: { 'servo-bench-measure': '1.0.0' } }));
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'servo-bench-measure', version: '1.0.0', type: 'module', servo: { connectors: { bench_measure: './connector.js' } } }),
  );
  writeFileSync(
    join(pkg, 'connector.js'),
    `import { defineConnector, z } from 'servo-core';
const t = Date.parse('2026-01-01T00:00:00Z');
const value = { readings: ['throughput', 'error_rate', 'latency_p99'].map((name, i) => ({
  metric: { name, unit: ['rpm', '%', 'ms'][i] },
  data_points: Array.from({ length: 4 }, (_, k) => ({ metric: { name, unit: ['rpm', '%', 'ms'][i] }, time: new Date(t + k * 60000).toISOString(), value: Math.round(1000 * (i + 1) * (1 + k / 10)) / 10 })),
  id: 'pod-' + i,
})), annotations: { source: 'bench' } };
export default defineConnector({
  type: 'bench_measure',
  metadata: { version: '1.0.0', description: 'answers measure after delay_ms', maturity: 'experimental' },
  config: z.object({ delay_ms: z.number().default(0) }),
  setup(ctx) {
    const ms = ctx.config.delay_ms;
    ctx.on('measure', () => (ms > 0 ? new Promise((r) => setTimeout(() => r(value), ms)) : value));
  },
});
`,
  );
  const optimizerSection = `optimizer:\n  id: ${ID}\n  base_url: \${OPTIMIZER_URL}\n`;
  const writeConfig = (name, text) => {
    const file = join(dir, name);
    writeFileSync(file, text + optimizerSection);
    return file;
  };
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERVO_') && !k.startsWith('OPSANI_') && k !== 'NODE_OPTIONS') env[k] = v;

  const plan = (cycles, warm) => ({ idle_sleep: '60s', steps: [{ measure: { control: { duration: 0 } }, repeat: warm + cycles }] });
  /** Timed cycles of a finished fake: WHATS_NEXT to WHATS_NEXT, warm-up dropped. */
  const cyclesOf = (fake, warm) => {
    const t = fake.records.filter((r) => r.event === 'WHATS_NEXT' && r.http === 200).map((r) => r.t);
    return t
      .slice(1)
      .map((x, i) => x - t[i])
      .slice(warm);
  };

  let reply; // the param of the servo's MEASUREMENT, for the bare client
  /** One round of `servo run` with `config`: resolves with its timed cycles. */
  async function servoRound(config, cycles, warm = WARM) {
    const t0 = performance.now();
    const fake = await startFakeOptimizer({ plan: plan(cycles, warm), token: TOKEN, id: ID });
    const child = spawn(process.execPath, [SERVO, '--config', config, '--log-level', 'warn', 'run'], {
      cwd: dir,
      env: { ...env, OPTIMIZER_URL: fake.url, OPSANI_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.on('exit', r));
    try {
      await withTimeout(Promise.race([fake.planEnded, exited.then(() => Promise.reject(new Error('servo run exited')))]), ROUND_MAX_MS, 'the servo round');
    } catch (err) {
      child.kill('SIGKILL');
      await fake.close();
      throw new Error(`${err.message}\n${stderr}`);
    }
    child.kill('SIGTERM');
    await withTimeout(exited, 15_000, 'servo run stopping');
    await fake.close();
    const bad = fake.result().steps.filter((s) => s.status !== 'ok');
    if (bad.length) throw new Error(`${bad.length} cycles not ok: ${bad[0].status} ${bad[0].message ?? ''}\n${stderr}`);
    reply ??= fake.records.find((r) => r.event === 'MEASUREMENT').message.param;
    if (process.env.BENCH_DEBUG) console.error(`round ${config}: ${(performance.now() - t0).toFixed(0)} ms`);
    return cyclesOf(fake, warm);
  }
  /** One round of the bare client: resolves with its timed cycles. */
  async function bareRound(cycles) {
    const fake = await startFakeOptimizer({ plan: plan(cycles, WARM), token: TOKEN, id: ID });
    const child = fork(fileURLToPath(import.meta.url), ['--bare'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const done = new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`bare client exited (${code})`)));
    });
    child.send({ endpoint: fake.endpoint, token: TOKEN, reply });
    await withTimeout(done, ROUND_MAX_MS, 'the bare round');
    await new Promise((r) => child.once('exit', r));
    await fake.close();
    return cyclesOf(fake, WARM);
  }

  const us = (ms) => `${(ms * 1000).toFixed(0).padStart(6)} us`;
  const stats = (xs) => `median ${us(median(xs))}  p90 ${us(quantile(xs, 0.9))}  p99 ${us(quantile(xs, 0.99))}  (${xs.length} cycles)`;
  let receiver;
  let ok = false;
  try {
    // 6a: no-op measure, servo vs bare, alternating.
    const noop = writeConfig('noop.yaml', 'bench_measure:\n  delay_ms: 0\n');
    const servoCycles = [];
    const bareCycles = [];
    const perRound = [];
    await servoRound(noop, 50); // a first process warms the file cache and gets the MEASUREMENT param
    await bareRound(N); // and a first bare round warms the fake (compiled in this process) before any timed round
    for (let r = 0; r < ROUNDS; r++) {
      // Which side goes first alternates: the fake runs in this process, and the second round of a
      // pair finds it (and the machine) warmer.
      let s;
      let b;
      if (r % 2) {
        b = await bareRound(N);
        s = await servoRound(noop, N);
      } else {
        s = await servoRound(noop, N);
        b = await bareRound(N);
      }
      servoCycles.push(...s);
      bareCycles.push(...b);
      perRound.push(median(s) / median(b));
    }
    const ratio = median(servoCycles) / median(bareCycles);
    console.log(`6a. one loop cycle (WHATS_NEXT + MEASURE with a no-op connector + MEASUREMENT), ${ROUNDS} rounds of ${N} each, alternating`);
    console.log(`    servo run          ${stats(servoCycles)}`);
    console.log(`    bare undici        ${stats(bareCycles)}`);
    console.log(`    servo / bare       ${ratio.toFixed(2)}x  (goal <= ${GOAL_RATIO}x; per round ${perRound.map((x) => `${x.toFixed(2)}x`).join(', ')})`);

    // 6b: 20 ms measure, without and with 10 after:measure webhooks to a receiver answering after 2 s.
    receiver = await startReceiver(['--mode', 'delay', '--delay', '2000']);
    const hooks = Array.from(
      { length: 10 },
      (_, i) => `    - {name: after_${i}, url: "${receiver.origin}/hook/${i}", secret: ${SECRET}, events: after:measure}`,
    ).join('\n');
    const slow = writeConfig('slow.yaml', 'bench_measure:\n  delay_ms: 20\n');
    const hooked = writeConfig('hooked.yaml', `bench_measure:\n  delay_ms: 20\nwebhooks:\n  drain_timeout: 1s\n  webhooks:\n${hooks}\n`);
    const plain = [];
    const withHooks = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) {
        plain.push(...(await servoRound(slow, N_SLOW, WARM_SLOW)));
        withHooks.push(...(await servoRound(hooked, N_SLOW, WARM_SLOW)));
      } else {
        withHooks.push(...(await servoRound(hooked, N_SLOW, WARM_SLOW)));
        plain.push(...(await servoRound(slow, N_SLOW, WARM_SLOW)));
      }
    }
    const added = median(withHooks) - median(plain);
    console.log(`6b. a loop cycle with a 20 ms measure, ${ROUNDS} rounds of ${N_SLOW} each, alternating; receiver answers after 2 s`);
    console.log(`    without webhooks   ${stats(plain)}`);
    console.log(`    10 after-webhooks  ${stats(withHooks)}`);
    console.log(`    added (median)     ${us(added)}  (goal <= ${GOAL_ADDED_MS * 1000} us)`);
    console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    ok = ratio <= GOAL_RATIO && added <= GOAL_ADDED_MS;
    console.log(ok ? 'all goals met' : 'GOAL MISSED');
  } finally {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = ok ? 0 : 1;
}

/** The bare client: a pooled undici Agent making the loop's two round trips until the plan answers SLEEP. */
async function bareClient() {
  const { Agent, request } = await import('undici');
  const { endpoint, token, reply } = await new Promise((r) => process.once('message', r));
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const post = async (body) => {
    const res = await request(endpoint, { method: 'POST', headers, body: JSON.stringify(body), dispatcher: agent });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
    return JSON.parse(text);
  };
  let n = 0;
  for (;;) {
    const answer = await post({ event: 'WHATS_NEXT', param: null, servo_uid: null });
    if (answer.cmd !== 'MEASURE') break;
    await post({ event: 'MEASUREMENT', param: { ...reply, cmd_uid: answer.cmd_uid }, servo_uid: null });
    n++;
  }
  await agent.close();
  process.send({ cycles: n }, () => process.exit(0));
}
