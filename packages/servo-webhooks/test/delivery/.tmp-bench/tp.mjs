import { spawn } from 'node:child_process';
import { Agent } from 'undici';
import { Transport, toTarget } from './delivery/transport.js';
import { signRequest } from './signing.js';
const child = spawn(process.execPath, ['server.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise(r => child.stdout.once('data', d => r(String(d).trim())));
const url = `http://127.0.0.1:${port}/hook`;
const N = 20000, C = 8;
const body = Buffer.from(JSON.stringify({ event: 'after:measure', data: 'x'.repeat(400) }));
const target = toTarget(url);
async function run(name, fn) { let i = 0; const t0 = performance.now(); await Promise.all(Array.from({ length: C }, async () => { while (i++ < N) await fn(); })); console.log(name, Math.round(N / (performance.now() - t0) * 1000)); }
const agent = new Agent({ keepAliveTimeout: 4000 });
const bare = async () => { const r = await agent.request({ origin: target.origin, path: target.path, method: 'POST', headers: { 'content-type': 'application/json' }, body }); await r.body.dump(); };
const t = new Transport({});
const tp = () => t.post({ target, headers: { 'content-type': 'application/json' }, body, timeoutMs: 5000, webhook: 'w' });
const tps = () => t.post({ target, headers: { 'content-type': 'application/json', 'user-agent': 'b', 'x-servo-event': 'after:measure', 'x-servo-delivery': 'msg_01J9Z3K8M4Q6W7E2R5T8Y1U3I0', ...signRequest('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_01J9Z3K8M4Q6W7E2R5T8Y1U3I0', body, Math.floor(Date.now()/1000)) }, body, timeoutMs: 5000, webhook: 'w' });
for (let k = 0; k < 2; k++) { await run('bare', bare); await run('transport', tp); await run('transport+sign+headers', tps); }
child.kill(); await agent.close(); await t.close();
