#!/usr/bin/env node
// Goal: the receiver toolkit (servo-webhooks/receiver) verifies Standard Webhooks v1 signatures, one thread, in
// sequence, at >= 50,000/s with its node:crypto build and >= 3x the `standardwebhooks` package; its WebCrypto build
// is not slower than `standardwebhooks`. v1a (ed25519) and both schemes at once (v1 + x-servo-signature) are reported.
//
// The same 64 after:measure bodies of ~1.7 KB, each with its own id, signed now by the sender's signing code
// (webhook-id, webhook-timestamp, webhook-signature); every verifier gets the same Buffer and the same header
// object and must accept. Each round runs every verifier over the same count (order rotating); figures are the
// medians of the rounds, ratios the medians of per-round ratios.
//
// The run is pinned to one CPU (taskset -c 1, the process with its libuv thread pool) where taskset exists:
// "one thread" is one CPU's budget, and WebCrypto's HMAC runs on the thread pool, whose wake-up across CPUs on a
// loaded machine costs more than the HMAC itself (unpinned on a busy 2-CPU machine: WebCrypto ~24k/s against
// standardwebhooks ~42k/s; on an idle one ~52k/s). VERIFY_BENCH_UNPINNED=1 runs it unpinned.
//
// Usage: node bench/verify.mjs [rounds=7] [perRound=20000]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { fmt, median, root } from './lib.mjs';

if (!process.env.VERIFY_BENCH_CHILD && !process.env.VERIFY_BENCH_UNPINNED && cpus().length > 1) {
  const cpu = String(cpus().length - 1);
  const r = spawnSync('taskset', ['-c', cpu, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, VERIFY_BENCH_CHILD: cpu },
  });
  if (!r.error) process.exit(r.status ?? 1);
  // no taskset: measure unpinned
}
const ROUNDS = Number(process.argv[2] ?? 7);
const PER_ROUND = Number(process.argv[3] ?? 20_000);
const MAX_MS = 30_000;
const dist = (p) => pathToFileURL(join(root, 'packages/servo-webhooks/dist', p)).href;
const nodeBuild = await import(dist('receiver/index.node.js'));
const webBuild = await import(dist('receiver/index.js'));
const { signRequest, generateSigningKey } = await import(dist('signing.js'));
const { buildBody } = await import(dist('payload/body.js'));

const SECRET = `whsec_${Buffer.from('bench verify secret key 0123456789').toString('base64')}`;
const { signingKey, publicKey } = generateSigningKey();

// ~1.7 KB after:measure bodies: 3 metrics x 3 readings, as the connector builds them.
function body(i) {
  const t = Date.parse('2026-01-01T00:00:00Z');
  const readings = ['throughput', 'error_rate', 'latency_p99'].map((name, k) => ({
    metric: { name, unit: ['rpm', '%', 'ms'][k] },
    data_points: Array.from({ length: 3 }, (_, j) => ({
      metric: { name, unit: ['rpm', '%', 'ms'][k] },
      time: new Date(t + j * 60_000).toISOString(),
      value: 100 * k + j + i / 7,
    })),
    id: `pod-${k}`,
  }));
  return buildBody({
    id: `msg_${String(i).padStart(26, '0')}`,
    event: 'after:measure',
    createdAt: new Date(),
    servo: 'bench',
    webhook: 'hook',
    params: { metrics: ['throughput', 'error_rate', 'latency_p99'], control: { duration: '0s' } },
    results: [{ connector: 'prom', value: { readings, annotations: { source: 'bench' } } }],
  });
}

const now = Math.floor(Date.now() / 1000);
const cases = Array.from({ length: 64 }, (_, i) => {
  const bytes = Buffer.from(body(i));
  const id = `msg_${String(i).padStart(26, '0')}`;
  const signed = signRequest([SECRET], id, bytes, now, signingKey);
  const [v1, v1a] = signed['webhook-signature'].split(' ');
  const std = { 'webhook-id': id, 'webhook-timestamp': signed['webhook-timestamp'] };
  return {
    bytes,
    v1: { ...std, 'webhook-signature': v1 },
    v1a: { ...std, 'webhook-signature': v1a },
    both: { ...std, 'webhook-signature': v1, 'x-servo-signature': signed['x-servo-signature'] },
  };
});
const size = median(cases.map((c) => c.bytes.length));

const wh = new Webhook(SECRET);
const verifiers = {
  'standardwebhooks 1.x (v1)': (c) => wh.verify(c.bytes, c.v1),
  'receiver, node build (v1)': (c) => nodeBuild.verify(c.bytes, c.v1, { secrets: SECRET }),
  'receiver, WebCrypto build (v1)': (c) => webBuild.verify(c.bytes, c.v1, { secrets: SECRET }),
  'receiver, node build (v1 + x-servo)': (c) => nodeBuild.verify(c.bytes, c.both, { secrets: SECRET }),
  'receiver, node build (v1a)': (c) => nodeBuild.verify(c.bytes, c.v1a, { publicKeys: publicKey }),
  'receiver, WebCrypto build (v1a)': (c) => webBuild.verify(c.bytes, c.v1a, { publicKeys: publicKey }),
};
const names = Object.keys(verifiers);

async function rate(fn, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const r = fn(cases[i & 63]);
    if (r && typeof r.then === 'function') await r;
  }
  return n / ((performance.now() - t) / 1000);
}

// Each must accept every case (a verifier that rejects measures nothing).
for (const name of names) for (const c of cases) await verifiers[name](c);
for (const name of names) await rate(verifiers[name], 2000); // warm-up

const rates = Object.fromEntries(names.map((n) => [n, []]));
const started = performance.now();
for (let r = 0; r < ROUNDS && performance.now() - started < MAX_MS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  // v1a is slower by nature: fewer of them per round keeps the run bounded.
  for (const name of order) rates[name].push(await rate(verifiers[name], name.includes('v1a') ? PER_ROUND / 10 : PER_ROUND));
}
const ratio = (a, b) => median(rates[a].map((x, i) => x / rates[b][i]));

const std = 'standardwebhooks 1.x (v1)';
const nodeV1 = 'receiver, node build (v1)';
const webV1 = 'receiver, WebCrypto build (v1)';
console.log(
  `verify: ${rates[std].length} rounds x ${fmt(PER_ROUND)} verifications (v1a: ${fmt(PER_ROUND / 10)}), one thread in sequence (${process.env.VERIFY_BENCH_CHILD ? `pinned to CPU ${process.env.VERIFY_BENCH_CHILD}` : 'unpinned'}), body ${fmt(size)} B; medians`,
);
for (const name of names) console.log(`${name.padEnd(38)} ${fmt(median(rates[name])).padStart(9)} /s  rounds: ${rates[name].map((x) => fmt(x)).join(' ')}`);
const goals = [
  [`node build v1              ${fmt(median(rates[nodeV1]))} /s  (goal >= 50,000 /s)`, median(rates[nodeV1]) >= 50_000],
  [`node build / standardwebhooks   ${ratio(nodeV1, std).toFixed(2)}x  (goal >= 3x)`, ratio(nodeV1, std) >= 3],
  [`WebCrypto build / standardwebhooks ${ratio(webV1, std).toFixed(2)}x  (goal >= 1x)`, ratio(webV1, std) >= 1],
];
for (const [line, ok] of goals) console.log(`${line}  ${ok ? 'met' : 'MISSED'}`);
console.log(`v1a node build / WebCrypto build ${ratio('receiver, node build (v1a)', 'receiver, WebCrypto build (v1a)').toFixed(2)}x  (information)`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = goals.every(([, met]) => met);
console.log(ok ? 'all goals met' : 'goal MISSED');
process.exitCode = ok ? 0 : 1;
