/**
 * A real Node process using the engine the way a CLI does: enqueue, await
 * drain(), never call close() or process.exit(). It must exit on its own,
 * and only after the work is done.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformWithOxc } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiver, reply, type Receiver } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '../../src');
let out: string;

/** Strips types from the engine's sources into a folder under the package (so `undici` resolves). */
async function compile(): Promise<void> {
  out = mkdtempSync(join(here, '.tmp-exit-'));
  const delivery = readdirSync(join(src, 'delivery'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const files = [
    'errors.ts',
    'signing.ts',
    'signing-error.ts',
    'signing-keys.ts',
    'headers.ts',
    'defaults.ts',
    'url.ts',
    'history/entry.ts',
    'payload/content-type.ts',
    'gate/media-type.ts',
    'history/types.ts',
    ...delivery.map((f) => `delivery/${f}`),
  ];
  for (const f of files) {
    const code = (await transformWithOxc(readFileSync(join(src, f), 'utf8'), f, {})).code;
    const target = join(out, f.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
}

function run(script: string, args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const file = join(out, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

let r: Receiver;
beforeAll(async () => {
  await compile();
  // keep-alive connections stay open on the server side for 30 s: they must not hold the client process.
  let flaky = 0;
  r = await receiver((req, res) => {
    if (req.headers['x-servo-event'] === 'after:flaky' && ++flaky === 1) return reply(res, 503);
    reply(res, 200);
  });
});
afterAll(async () => {
  await r.close();
  rmSync(out, { recursive: true, force: true });
});

const header = (): string => `
import { DeliveryEngine } from './${relative(out, join(out, 'delivery/engine.js'))}';
const [url, event, n] = process.argv.slice(2);
const engine = new DeliveryEngine({
  endpoints: [{ name: 'w', url, secret: 's', headers: {}, retry: { maxTries: 3, maxTimeMs: 60000 }, timeoutMs: 5000 }],
  userAgent: 'exit-test',
  retryFloorMs: 0,
  backoff: { initialMs: 1000 },
  random: () => 0.5,
});
`;

describe('a CLI process', () => {
  it('exits on its own once drained, keep-alive sockets notwithstanding', async () => {
    const before = r.requests.length;
    const res = await run(
      header() +
        `for (let i = 0; i < Number(n); i++) engine.enqueue({ webhook: 'w', event, body: new TextEncoder().encode('x' + i), contentType: 'text/plain' });
console.log(JSON.stringify(await engine.drain(10000)));`,
      [r.url, 'after:ok', '5'],
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ delivered: 5, pending: 0, dead: 0, dropped: 0, lost: [] });
    expect(r.requests.length - before).toBe(5);
    expect(res.ms).toBeLessThan(10_000);
  });

  it('stays alive while drain() waits for a retry that is due before the timeout', async () => {
    const res = await run(
      header() +
        `engine.enqueue({ webhook: 'w', event, body: new Uint8Array([1]), contentType: 'text/plain' });
console.log(JSON.stringify(await engine.drain(10000)));`,
      [r.url, 'after:flaky', '1'],
    );
    expect(res.code).toBe(0);
    // Backoff 1 s * 0.5: the retry came ~500 ms after the 503, and the process waited for it.
    const flaky = r.requests.filter((q) => q.headers['x-servo-event'] === 'after:flaky');
    expect(flaky).toHaveLength(2);
    expect(flaky[1]!.at - flaky[0]!.at).toBeGreaterThanOrEqual(450);
    expect(JSON.parse(res.stdout)).toEqual({ delivered: 1, pending: 0, dead: 0, dropped: 0, lost: [] });
  });
});
