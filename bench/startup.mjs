#!/usr/bin/env node
// Goals: `servo version` starts in at most 4x bare `node -e ""` and `servo measure` (one-script
// assembly) in at most 2.5x; dispatching an event to 10 connectors with no-op handlers costs < 50 us.
// Everything is measured side by side in this one run. The commands run through the bin npm
// links (packages/servo/bin/servo.js), as `npx servo` does. Usage: node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const servoBin = join(root, 'packages/servo/bin/servo.js');
const VERSION_GOAL = 4;
const MEASURE_GOAL = 2.5;
const runs = Number(process.argv[2] ?? 15);

const dir = mkdtempSync(join(tmpdir(), 'servo-bench-'));
writeFileSync(join(dir, 'servo.yaml'), 'scripts:\n  on:\n    measure: [./measure.sh]\n');
writeFileSync(
  join(dir, 'measure.sh'),
  '#!/bin/sh\ncat >/dev/null\necho \'{"readings": [{"metric": {"name": "rps", "unit": "rps"}, "time": "2026-01-01T00:00:00Z", "value": 1}]}\'\n',
);
chmodSync(join(dir, 'measure.sh'), 0o755);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function once(args, cwd) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// The three commands run round by round, so machine load hits them alike;
// two warm-up rounds fill the page cache.
const commands = { bare: [['-e', '']], version: [[servoBin, 'version']], measure: [[servoBin, 'measure'], dir] };
const samples = { bare: [], version: [], measure: [] };
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [args, cwd]] of Object.entries(commands)) {
    const ms = once(args, cwd);
    if (i >= 2) samples[name].push(ms);
  }
}
const bare = median(samples.bare);
const version = median(samples.version);
const measure = median(samples.measure);
rmSync(dir, { recursive: true, force: true });

const { Servo, defineConnector, events, z } = await import(join(root, 'packages/servo/dist/index.js'));
const noop = defineConnector({
  type: 'noop',
  metadata: { version: '1.0.0', description: 'no-op', maturity: 'experimental' },
  config: z.object({}),
  setup(ctx) {
    ctx.before('measure', () => {});
    ctx.on('measure', () => undefined);
    ctx.after('measure', () => {});
  },
});
const servo = await Servo.create({ name: 'bench', connectors: Array.from({ length: 10 }, (_, i) => ({ definition: noop, name: `noop_${i}` })) });
const params = { metrics: ['rps'] };
for (let i = 0; i < 20_000; i++) await servo.dispatch(events.measure, params);
const N = 100_000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) await servo.dispatch(events.measure, params);
const dispatchUs = Number(process.hrtime.bigint() - t0) / 1e3 / N;

const row = (name, ms, goal) => `${name.padEnd(34)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / bare).toFixed(2)}x bare node${goal ? `  (goal <= ${goal}x)` : ''}`;
console.log(`startup, median of ${runs} runs`);
console.log(row('node -e ""', bare));
console.log(row('servo version', version, VERSION_GOAL));
console.log(row('servo measure (one script)', measure, MEASURE_GOAL));
console.log(`dispatch to 10 no-op connectors      ${dispatchUs.toFixed(2).padStart(7)} us  (goal < 50 us; ${(dispatchUs / 50).toFixed(2)}x the goal)`);
const ok = version / bare <= VERSION_GOAL && measure / bare <= MEASURE_GOAL && dispatchUs < 50;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
