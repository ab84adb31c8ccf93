/**
 * The receiver toolkit as a user gets it: `npm pack` of servo-webhooks, the
 * tarball unpacked into an application's node_modules with none of its
 * dependencies (the receiver entries need none), then a receiver script run
 * by node (the `node` condition) and the WebCrypto build bundled for a
 * neutral platform, each verifying a request signed as the sender signs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { signRequest } from 'servo-webhooks/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgDir } from './builds.js';

const SECRET = 'whsec_cGFja2VkIHRhcmJhbGwgc2VjcmV0IGtleQ==';
let dir: string;
let app: string;

function sh(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'servo-receiver-packed-'));
  const packed = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], pkgDir);
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  app = join(dir, 'app');
  const target = join(app, 'node_modules', 'servo-webhooks');
  mkdirSync(target, { recursive: true });
  const untar = await sh('tar', ['xzf', join(dir, tarball), '-C', target, '--strip-components=1'], dir);
  expect(untar.code, untar.stderr).toBe(0);
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}');
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function signed(body: string) {
  return signRequest(SECRET, 'msg_packed', new TextEncoder().encode(body), Math.floor(Date.now() / 1000)) as unknown as Record<string, string>;
}

describe('servo-webhooks/receiver from the packed tarball, no dependency installed', () => {
  it('a node:http receiver (node build, readNodeRequest) verifies a signed request and answers a gate with cancel', async () => {
    const body = JSON.stringify({
      id: 'msg_packed',
      event: 'before:adjust',
      created_at: '2026-12-01T00:00:00.000000+00:00',
      servo: { name: 's' },
      webhook: { name: 'w' },
      schema_version: 1,
      params: { adjustments: [], control: {} },
      results: null,
    });
    writeFileSync(
      join(app, 'receiver.mjs'),
      `import { createServer, request } from 'node:http';
import { verify, parse, cancel, isReceiverError } from 'servo-webhooks/receiver';
import { readNodeRequest, send } from 'servo-webhooks/receiver/node';
const [secret, headers, body] = JSON.parse(process.argv[2]);
const server = createServer(async (req, res) => {
  try {
    const raw = await readNodeRequest(req);
    const v = await verify(raw, req.headers, { secrets: [secret] });
    const b = parse(raw);
    send(res, cancel(b.event + ' ' + v.schemes.map((s) => s.scheme + ':' + s.ok).join(',')));
  } catch (e) { send(res, isReceiverError(e) ? e : { status: 500, headers: {}, body: String(e) }); }
}).listen(0, '127.0.0.1', () => {
  const post = (b) => new Promise((ok) => request('http://127.0.0.1:' + server.address().port, { method: 'POST', headers }, (r) => {
    let t = ''; r.on('data', (c) => (t += c)).on('end', () => ok(r.statusCode + ' ' + r.headers['content-type'] + ' ' + t));
  }).end(b));
  Promise.all([post(body), post(body + ' ')]).then((out) => { console.log(JSON.stringify(out)); server.close(); });
});
`,
    );
    const run = await sh(process.execPath, ['receiver.mjs', JSON.stringify([SECRET, signed(body), body])], app);
    expect(run.code, run.stderr).toBe(0);
    const [good, tampered] = JSON.parse(run.stdout) as string[];
    expect(good).toBe('200 application/vnd.opsani.servo.errors.CancelEventError+json {"reason":"before:adjust webhook-signature:true,x-servo-signature:true"}');
    expect(tampered).toMatch(/^401 application\/json \{"error":"no_match"/);
  });

  it('the WebCrypto build bundles for a neutral platform from the tarball and verifies in any Fetch-API runtime', async () => {
    writeFileSync(join(app, 'edge.mjs'), `export { verify } from 'servo-webhooks/receiver';\n`);
    const out = await build({
      entryPoints: [join(app, 'edge.mjs')],
      absWorkingDir: app,
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(out.metafile.inputs).some((f) => f.endsWith('servo-webhooks/dist/receiver/index.js'))).toBe(true);
    expect(Object.values(out.metafile.outputs).flatMap((o) => o.imports)).toEqual([]);
    const file = join(app, 'edge.bundle.mjs');
    writeFileSync(file, out.outputFiles[0]!.text);
    const { verify } = (await import(file)) as typeof import('servo-webhooks/receiver');
    const body = '{"edge":true}';
    const v = await verify(body, new Headers(signed(body)), { secrets: SECRET });
    expect(v.schemes.every((s) => s.ok)).toBe(true);
  });
});
