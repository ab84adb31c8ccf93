import { createServer } from 'node:http';
import { Agent } from 'undici';
import { DeliveryEngine } from './delivery/engine.js';
import { SqliteStore } from './delivery/sqlite-store.js';
import { rmSync } from 'node:fs';
const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end('ok'); }); });
server.keepAliveTimeout = 30000;
await new Promise(r => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/hook`;
const N = 20000, C = 8;
const body = Buffer.from(JSON.stringify({ event: 'after:measure', data: 'x'.repeat(400) }));
{
  const agent = new Agent({ keepAliveTimeout: 4000 });
  const u = new URL(url);
  let i = 0; const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => { while (i++ < N) { const r = await agent.request({ origin: u.origin, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body }); await r.body.dump(); } }));
  const ms = performance.now() - t0; console.log('bare undici', Math.round(N / ms * 1000), '/s'); await agent.close();
}
for (const kind of ['memory', 'sqlite']) {
  rmSync('/tmp/bench.db', { force: true }); rmSync('/tmp/bench.db-wal', { force: true }); rmSync('/tmp/bench.db-shm', { force: true });
  const e = new DeliveryEngine({ endpoints: [{ name: 'w', url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: {}, retry: { maxTries: 3, maxTimeMs: 60000 }, timeoutMs: 5000 }], userAgent: 'b', concurrency: C, maxQueue: 100000, ...(kind === 'sqlite' ? { store: new SqliteStore('/tmp/bench.db') } : {}) });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) e.enqueue({ webhook: 'w', event: 'after:measure', body, contentType: 'application/json' });
  const te = performance.now() - t0;
  const s = await e.drain(120000);
  const ms = performance.now() - t0; console.log('engine', kind, Math.round(N / ms * 1000), '/s', 'enqueue us/op', (te * 1000 / N).toFixed(1), JSON.stringify(s));
  await e.close();
}
server.close();
