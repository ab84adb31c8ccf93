import { describe, expect, it } from 'vitest';
import { createExchange, isExchangeStoppedError, MemoryExchange, Message } from '../../src/pubsub/index.js';
import { recordingLogger } from '../../../../test-support/index.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('MemoryExchange', () => {
  it('delivers to exact, glob and regex subscribers of the channel only', async () => {
    const ex = createExchange();
    ex.start();
    const got: string[] = [];
    ex.subscribe('metrics.cpu', (m, ch) => void got.push(`exact:${ch}:${m.text()}`));
    ex.subscribe('metrics.*', (m, ch) => void got.push(`glob:${ch}:${m.text()}`));
    ex.subscribe('/^metrics/', (m, ch) => void got.push(`regex:${ch}:${m.text()}`));
    ex.subscribe('other', () => void got.push('other'));
    await ex.publish('metrics.cpu', Message.text('1'));
    await ex.publish('metrics.mem', Message.text('2'));
    expect(got.sort()).toEqual(['exact:metrics.cpu:1', 'glob:metrics.cpu:1', 'regex:metrics.cpu:1', 'glob:metrics.mem:2', 'regex:metrics.mem:2'].sort());
    await ex.stop();
  });

  it('runs the subscribers of a channel concurrently and resolves publish when all have run', async () => {
    const ex = new MemoryExchange();
    ex.start();
    const a = deferred();
    const b = deferred();
    const started: string[] = [];
    ex.subscribe('c', async () => {
      started.push('a');
      await a.promise;
    });
    ex.subscribe('c', async () => {
      started.push('b');
      await b.promise;
    });
    let settled = false;
    const p = ex.publish('c', Message.text('x')).then(() => (settled = true));
    // Both started although neither has finished.
    expect(started).toEqual(['a', 'b']);
    b.resolve();
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    a.resolve();
    await p;
    expect(settled).toBe(true);
    await ex.stop();
  });

  it('logs a failing subscriber and still delivers to the others; the publisher never sees the error', async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const ex = new MemoryExchange({ logger });
    ex.start();
    const got: string[] = [];
    ex.subscribe('c', () => {
      throw new Error('sync boom');
    });
    ex.subscribe('c', async () => {
      throw new Error('async boom');
    });
    ex.subscribe('c', (m) => void got.push(m.text()));
    await expect(ex.publish('c', Message.text('ok'))).resolves.toBeUndefined();
    expect(got).toEqual(['ok']);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => (l.obj.err as Error).message).sort()).toEqual(['async boom', 'sync boom']);
    expect(errors[0]!.obj).toMatchObject({ channel: 'c', selector: 'c' });
    await ex.stop();
  });

  it('queues messages published before start and delivers them in order on start', async () => {
    const ex = new MemoryExchange();
    const got: string[] = [];
    // publish before start resolves at once (it must not deadlock setup code).
    await ex.publish('q', Message.text('1'));
    await ex.publish('q', Message.text('2'));
    // A subscription made after the publish but before start still receives them.
    const done = deferred();
    ex.subscribe('q', (m) => {
      got.push(m.text());
      if (got.length === 3) done.resolve();
    });
    await ex.publish('q', Message.text('3'));
    expect(got).toEqual([]);
    ex.start();
    await done.promise;
    expect(got).toEqual(['1', '2', '3']);
    await ex.stop();
  });

  it('drops the oldest queued message beyond maxQueued, with a warning', async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const ex = new MemoryExchange({ logger, maxQueued: 2 });
    const got: string[] = [];
    ex.subscribe('q', (m) => void got.push(m.text()));
    for (const t of ['1', '2', '3']) await ex.publish('q', Message.text(t));
    ex.start();
    await ex.stop();
    expect(got).toEqual(['2', '3']);
    expect(lines.some((l) => l.level === 'warn' && /queue full/.test(l.msg ?? ''))).toBe(true);
  });

  it('rejects publish after stop with SERVO_EXCHANGE_STOPPED', async () => {
    const ex = new MemoryExchange();
    ex.start();
    await ex.stop();
    const err = await ex.publish('c', Message.text('late')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVO_EXCHANGE_STOPPED', name: 'ExchangeStoppedError' });
    expect(isExchangeStoppedError(err)).toBe(true);
    expect((err as Error).message).toMatch(/channel "c".*stopped/);
  });

  it('stop() waits for in-flight subscriber calls', async () => {
    const ex = new MemoryExchange();
    ex.start();
    const gate = deferred();
    let finished = false;
    ex.subscribe('c', async () => {
      await gate.promise;
      finished = true;
    });
    void ex.publish('c', Message.text('x'));
    let stopped = false;
    const stopping = ex.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });

  it('cancel() stops delivery to that subscription only, and is idempotent', async () => {
    const ex = new MemoryExchange();
    ex.start();
    const got: string[] = [];
    const sub = ex.subscribe('c.*', () => void got.push('glob'));
    ex.subscribe('c.x', () => void got.push('exact'));
    await ex.publish('c.x', Message.text(''));
    expect(sub.selector).toBe('c.*');
    sub.cancel();
    sub.cancel();
    await ex.publish('c.x', Message.text(''));
    expect(got.sort()).toEqual(['exact', 'exact', 'glob']);
    // A subscription added later is seen by channels already published to (no stale match cache).
    ex.subscribe('/c/', () => void got.push('regex'));
    await ex.publish('c.x', Message.text(''));
    expect(got.filter((g) => g === 'regex')).toEqual(['regex']);
    await ex.stop();
  });

  it('validates channel names and selectors', async () => {
    const ex = new MemoryExchange();
    ex.start();
    await expect(ex.publish('bad name', Message.text(''))).rejects.toMatchObject({ code: 'SERVO_INVALID_CHANNEL' });
    await expect(ex.publish('x'.repeat(129), Message.text(''))).rejects.toMatchObject({ code: 'SERVO_INVALID_CHANNEL' });
    expect(() => ex.subscribe('/(/', () => {})).toThrow(expect.objectContaining({ code: 'SERVO_INVALID_SELECTOR' }));
    await ex.stop();
  });

  it('channels() lists published channels and exact subscriptions, not patterns', async () => {
    const ex = new MemoryExchange();
    ex.subscribe('alpha', () => {});
    ex.subscribe('beta.*', () => {});
    ex.start();
    await ex.publish('gamma', Message.text(''));
    await ex.publish('alpha', Message.text(''));
    expect(ex.channels()).toEqual(['alpha', 'gamma']);
    await ex.stop();
  });

  it('compiles a selector once, not on each publish', async () => {
    const ex = new MemoryExchange();
    ex.start();
    const realRegExp = globalThis.RegExp;
    let compiled = 0;
    const Counting = new Proxy(realRegExp, {
      construct(target, args) {
        compiled++;
        return Reflect.construct(target, args);
      },
    });
    globalThis.RegExp = Counting;
    let got = 0;
    try {
      ex.subscribe('/^n\\d+$/', () => void got++);
      const afterSubscribe = compiled;
      expect(afterSubscribe).toBeGreaterThan(0);
      for (let i = 0; i < 50; i++) await ex.publish(`n${i % 5}`, Message.text(''));
      expect(compiled).toBe(afterSubscribe);
    } finally {
      globalThis.RegExp = realRegExp;
    }
    expect(got).toBe(50);
    await ex.stop();
  });

  it('can start again after stop', async () => {
    const ex = new MemoryExchange();
    const got: string[] = [];
    ex.subscribe('c', (m) => void got.push(m.text()));
    ex.start();
    await ex.stop();
    expect(ex.state).toBe('stopped');
    ex.start();
    await ex.publish('c', Message.text('again'));
    expect(got).toEqual(['again']);
    await ex.stop();
  });
});
