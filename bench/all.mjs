#!/usr/bin/env node
// Runs every benchmark in sequence, each in its own process, and exits 1 if any goal was missed.
// Usage: node bench/all.mjs   (or: npm run bench; build first: npm run build)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scripts = [
  'startup.mjs',
  'dispatch-overhead.mjs',
  'throughput.mjs',
  'gate-latency.mjs',
  'isolation.mjs',
  'recovery.mjs',
  'runner.mjs',
  'observe.mjs',
  'history.mjs',
  'verify.mjs',
];
const dir = fileURLToPath(new URL('.', import.meta.url));
const results = [];
for (const script of scripts) {
  console.log(`\n=== ${script}`);
  const t = performance.now();
  // Each script bounds its own loops; the timeout is a last resort.
  const r = spawnSync(process.execPath, [script], { cwd: dir, stdio: 'inherit', timeout: 180_000 });
  const s = ((performance.now() - t) / 1000).toFixed(1);
  const status = r.status === 0 ? 'met' : r.status === 1 ? 'MISSED' : `FAILED (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`;
  results.push({ script, status, s });
}
console.log('\n=== summary');
for (const { script, status, s } of results) console.log(`${script.padEnd(24)} ${status.padEnd(10)} ${s.padStart(6)} s`);
process.exitCode = results.every((r) => r.status === 'met') ? 0 : 1;
