/** The optimizer client on the wire against the fake optimizer: the timeout bound, aborts, shared signals. */
import { afterEach, describe, expect, it } from 'vitest';
import { OptimizerSection } from '../../src/assembly/config/optimizer-section.js';
import { OptimizerClient } from '../../src/optimizer/client.js';
import { resolveOptimizer } from '../../src/optimizer/config.js';
import { OptimizerRequestError } from '../../src/optimizer/errors.js';
import { type FakeOptimizer, startFakeOptimizer } from '../../src/optimizer/fake/index.js';

const TOKEN = 'client-test-token';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(plan: unknown[], timeout = '300ms'): Promise<{ fake: FakeOptimizer; client: OptimizerClient }> {
  const fake = await startFakeOptimizer({ plan, token: TOKEN });
  cleanups.push(() => fake.close());
  const settings = resolveOptimizer({ url: fake.optimizerUrl, token: TOKEN }, {}, OptimizerSection.parse({ timeout }), { cwd: '/' })!;
  const client = new OptimizerClient(settings, { userAgent: 'servo-core test' });
  cleanups.push(() => client.close());
  return { fake, client };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as OptimizerRequestError,
  );

describe('OptimizerClient', () => {
  it('reads a command and a status answer', async () => {
    const { client } = await start(['describe']);
    expect(await client.post('HELLO', { agent: 'x', telemetry: {} })).toEqual({ kind: 'status', status: { status: 'ok' } });
    const next = await client.post('WHATS_NEXT', null);
    expect(next).toMatchObject({ kind: 'command', command: { cmd: 'DESCRIBE', param: {} } });
  });

  it('ends a request that gets no answer within the timeout (a retryable timeout), and the next one still works', async () => {
    const { client } = await start([{ describe: {}, delay: '5s' }, 'describe'], '200ms');
    const t0 = performance.now();
    const err = await failure(client.post('WHATS_NEXT', null));
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(err).toBeInstanceOf(OptimizerRequestError);
    expect(err?.details.kind).toBe('timeout');
    expect(err?.retryable).toBe(true);
    expect(err?.message).toContain('no answer within 200 ms');
    expect(err?.message).not.toContain(TOKEN);
    expect(await client.post('GOODBYE', { reason: 'test' })).toEqual({ kind: 'status', status: { status: 'ok' } });
  });

  it('a caller signal aborts every request made with it, at once; one already aborted fails without waiting', async () => {
    const { client } = await start(
      [
        { describe: {}, delay: '5s' },
        { describe: {}, delay: '5s' },
      ],
      '10s',
    );
    const stop = new AbortController();
    const pending = failure(client.post('WHATS_NEXT', null, stop.signal));
    const other = failure(client.post('WHATS_NEXT', null, stop.signal));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    stop.abort('shutdown');
    const [a, b] = await Promise.all([pending, other]);
    expect(performance.now() - t0).toBeLessThan(500);
    for (const e of [a, b]) {
      expect(e).toBeInstanceOf(OptimizerRequestError);
      expect(e?.message).toContain('aborted');
    }
    expect((await failure(client.post('HELLO', null, stop.signal)))?.message).toContain('aborted');
  });
});
