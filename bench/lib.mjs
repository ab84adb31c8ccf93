// Shared pieces of the webhook benchmarks: the receiver child process, statistics, a realistic
// after:measure body, and the throughput measurements that benchmarks 2 and 5 both run.
import { execFileSync, fork } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const root = fileURLToPath(new URL('..', import.meta.url));
const wh = (p) => import(join(root, 'packages/servo-webhooks/dist', p));
const core = () => import(join(root, 'packages/servo/dist/index.js'));

/** The built modules the benchmarks use (dist/ is what they import: build first). */
export async function load() {
  const [engine, memory, sqlite, body, id, version, connector, servo, undici] = await Promise.all([
    wh('delivery/engine.js'),
    wh('delivery/memory-store.js'),
    wh('delivery/sqlite-store.js'),
    wh('payload/body.js'),
    wh('delivery/id.js'),
    wh('version.js'),
    wh('connector.js'),
    core(),
    import('undici'),
  ]);
  return {
    DeliveryEngine: engine.DeliveryEngine,
    MemoryStore: memory.MemoryStore,
    SqliteStore: sqlite.SqliteStore,
    buildBody: body.buildBody,
    EventBodies: body.EventBodies,
    newMessageId: id.newMessageId,
    USER_AGENT: version.USER_AGENT,
    webhooksConnector: connector.default,
    core: servo,
    undici,
  };
}

// ---------------------------------------------------------------- receiver

/**
 * Starts bench/receiver.mjs in its own process. Resolves once it listens.
 * @returns {{port, origin, cmd(cmd, extra?): Promise<object>, close(): Promise<void>}}
 */
export function startReceiver(args = []) {
  const child = fork(join(root, 'bench/receiver.mjs'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const replies = [];
  child.on('message', (m) => {
    if (m.reply) replies.shift()?.(m);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not start within 10 s')), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    child.on('message', (m) => {
      if (m.event !== 'listening') return;
      clearTimeout(timer);
      const port = m.port;
      resolve({
        port,
        origin: `http://127.0.0.1:${port}`,
        child,
        cmd: (cmd, extra = {}) =>
          withTimeout(
            new Promise((res) => {
              replies.push(res);
              child.send({ cmd, ...extra });
            }),
            10_000,
            `receiver ${cmd}`,
          ),
        close: () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res();
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.removeAllListeners('exit');
            child.once('exit', () => {
              clearTimeout(kill);
              res();
            });
            child.send({ cmd: 'exit' });
          }),
      });
    });
  });
}

// ---------------------------------------------------------------- helpers

/** Rejects if `p` takes longer than `ms`. */
export function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** The p-quantile (0..1) of numbers (nearest rank). */
export function quantile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
export const median = (xs) => quantile(xs, 0.5);

/**
 * Pins the main thread of process `pid` to CPU `cpu` with util-linux `taskset`; its other threads (V8's
 * GC helpers and compiler, libuv's pool) stay free to run on any CPU, as they would for a user. Returns
 * false, and changes nothing, where that is not possible (no taskset, fewer CPUs, not Linux).
 */
export function pinToCpu(pid, cpu) {
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const fmt = (x, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const SECRET = 'bench-secret-0123456789';

/** What a measure on-handler returns in the benchmarks: 3 metrics x 4 readings (~1.4 KB as a body). */
export function measurement() {
  const t = Date.parse('2026-01-01T00:00:00Z');
  const series = ['throughput', 'error_rate', 'latency_p99'].map((name, i) => ({
    metric: { name, unit: ['rpm', '%', 'ms'][i] },
    data_points: Array.from({ length: 4 }, (_, k) => ({
      metric: { name, unit: ['rpm', '%', 'ms'][i] },
      time: new Date(t + k * 60_000).toISOString(),
      value: Math.round(1000 * (i + 1) * (1 + k / 10)) / 10,
    })),
    id: `pod-${i}`,
  }));
  return { readings: series, annotations: { source: 'bench' } };
}

/** A realistic after:measure body factory: `make(id)` returns the bytes the connector would build. */
export async function bodyFactory(m) {
  const params = m.core.events.measure.params.parse({ metrics: ['throughput', 'error_rate', 'latency_p99'] });
  const results = [{ connector: 'prom', value: measurement() }];
  return (id) => m.buildBody({ id, event: 'after:measure', createdAt: new Date(), servo: 'bench', webhook: 'hook', params, results });
}

/**
 * The same after:measure event fanned out to several webhooks, as the connector builds it:
 * `make()` returns one event's `EventBodies` (params and results serialised once), whose
 * `build(id, webhook)` gives each webhook's bytes.
 */
export async function eventFactory(m) {
  const params = m.core.events.measure.params.parse({ metrics: ['throughput', 'error_rate', 'latency_p99'] });
  const results = [{ connector: 'prom', value: measurement() }];
  return () => new m.EventBodies({ event: 'after:measure', createdAt: new Date(), servo: 'bench', params, results });
}

// ---------------------------------------------------------------- throughput

/** One endpoint at `origin + path` for the engine. */
export function endpoint(origin, path = '/hook', extra = {}) {
  return {
    name: 'hook',
    url: origin + path,
    secret: SECRET,
    headers: {},
    retry: { maxTries: 100, maxTimeMs: 600_000 },
    timeoutMs: 10_000,
    ...extra,
  };
}

/**
 * A DeliveryEngine measured the way the connector uses it: bodies are built (serialised) and enqueued
 * as fast as the engine takes them (a window of `window` pending), delivered are counted through
 * `onResponse` (what the connector hooks). `run(n)` resolves `{n, ms, rate}`.
 */
export async function engineRunner(m, { origin, path = '/hook', concurrency = 8, store, history, logger, window = 1024, makeBody }) {
  let target = 0;
  let enqueued = 0;
  let delivered = 0;
  let done;
  const enqueueOne = () => {
    const id = m.newMessageId(Date.now());
    engine.enqueue({ webhook: 'hook', event: 'after:measure', body: makeBody(id), contentType: 'application/json', id });
    enqueued++;
  };
  const engine = new m.DeliveryEngine({
    endpoints: [endpoint(origin, path)],
    userAgent: m.USER_AGENT,
    concurrency,
    ...(store ? { store } : {}),
    ...(history ? { history } : {}),
    ...(logger ? { logger } : {}),
    maxQueue: Math.max(10_000, window * 2),
    onResponse: () => {
      delivered++;
      if (enqueued < target) enqueueOne();
      else if (delivered === target) done?.();
    },
  });
  return {
    engine,
    async run(n, maxMs = 30_000) {
      target += n;
      const t0 = performance.now();
      const finished = new Promise((r) => (done = r));
      const first = Math.min(window, target - enqueued);
      for (let i = 0; i < first; i++) enqueueOne();
      const guard = setInterval(() => {
        const s = engine.stats().hook;
        if (s.dead > 0 || s.failed > 0) done?.(new Error(`engine: ${s.failed} failed attempts, ${s.dead} dead`));
      }, 250);
      try {
        const err = await withTimeout(finished, maxMs, `engine run of ${n}`);
        if (err) throw err;
      } finally {
        clearInterval(guard);
      }
      const ms = performance.now() - t0;
      return { n, ms, rate: (n / ms) * 1000 };
    },
    async close() {
      await engine.drain(2000);
      await engine.close();
    },
  };
}

/**
 * The baseline: a bare pooled undici client that builds each body, signs it with both signatures
 * (HMAC-SHA1 hex, Standard Webhooks HMAC-SHA256) and sends it with the engine's headers, `concurrency`
 * requests at a time. `signed: false` sends one pre-serialised body with fixed headers (transport only).
 * `fresh` opens a new connection per request, as the original servo-webhooks did (a new httpx client per
 * request): 'agent' = a new undici Agent per request, closed after the answer; 'close' = node:http with
 * `agent: false` (`connection: close`).
 */
export function bareRunner(m, { origin, path = '/hook', concurrency = 8, makeBody, signed = true, fresh = undefined }) {
  const { Agent } = m.undici;
  const agent = fresh ? undefined : new Agent({ keepAliveTimeout: 4000 });
  const key = Buffer.from(SECRET, 'utf8');
  const fixedBody = makeBody(m.newMessageId(Date.now()));
  const fixedHeaders = { 'content-type': 'application/json', 'user-agent': m.USER_AGENT };
  const one = async () => {
    let headers = fixedHeaders;
    let body = fixedBody;
    if (signed) {
      const now = Date.now();
      const id = m.newMessageId(now);
      body = makeBody(id);
      const ts = String(Math.floor(now / 1000));
      headers = {
        'content-type': 'application/json',
        'user-agent': m.USER_AGENT,
        'x-servo-event': 'after:measure',
        'x-servo-delivery': id,
        'x-servo-signature': createHmac('sha1', key).update(body).digest('hex'),
        'webhook-id': id,
        'webhook-timestamp': ts,
        'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest('base64')}`,
      };
    }
    if (fresh === 'close') return closePost(origin + path, headers, body);
    const dispatcher = fresh ? new Agent() : agent;
    try {
      const res = await dispatcher.request({ origin, path, method: 'POST', headers, body });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`bare client got HTTP ${res.statusCode}`);
    } finally {
      if (fresh) await dispatcher.close();
    }
  };
  return {
    async run(n, maxMs = 30_000) {
      let started = 0;
      const t0 = performance.now();
      const deadline = t0 + maxMs;
      const worker = async () => {
        while (started < n && performance.now() < deadline) {
          started++;
          await one();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const ms = performance.now() - t0;
      return { n: started, ms, rate: (started / ms) * 1000 };
    },
    async close() {
      await agent?.close();
    },
  };
}

// ---------------------------------------------------------------- servo assemblies

/** A scripts-free connector whose on-handler answers `measure` with {@link measurement}. */
export async function tinyConnector(m) {
  const { z } = m.core;
  const value = measurement();
  return m.core.defineConnector({
    type: 'tiny',
    metadata: { version: '1.0.0', description: 'answers measure', maturity: 'experimental' },
    config: z.object({}),
    setup(ctx) {
      ctx.on('measure', () => value);
    },
  });
}

/** Servo.create with the tiny connector, plus the webhooks connector when `webhooks` is given. */
export async function makeServo(m, { name, webhooks, settings = {}, logger }) {
  const tiny = await tinyConnector(m);
  const connectors = [{ definition: tiny, name: 'tiny' }];
  if (webhooks) connectors.push({ definition: m.webhooksConnector, name: 'webhooks', config: { ...settings, webhooks } });
  const servo = await m.core.Servo.create({ name, connectors, ...(logger ? { logger } : {}) });
  await servo.start();
  return servo;
}

/** The params every benchmark dispatches `measure` with. */
export const MEASURE_PARAMS = { metrics: ['throughput', 'error_rate', 'latency_p99'] };

/** One node:http POST on its own connection (`agent: false`: `connection: close`), response read to the end. */
function closePost(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.byteLength) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
