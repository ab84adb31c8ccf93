import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EventCancelledError, EventParameterError, HandlerError } from '../../src/errors.js';
import { dispatch, type DispatchResult } from '../../src/events/dispatch.js';
import type { EventResult } from '../../src/events/event.js';
import { deferred, participant, ping, sleep, within } from './helpers.js';

// Generous: only a deadlock (sequential instead of concurrent handlers) ever reaches it.
const DEADLOCK_MS = 5_000;

describe('dispatch: before handlers', () => {
  it('run before the on handlers, which run before the after handlers', async () => {
    const order: string[] = [];
    const a = participant('a');
    const b = participant('b');
    a.handlers.after(ping, () => void order.push('after a'));
    a.handlers.on(ping, () => {
      order.push('on a');
      return 'a';
    });
    b.handlers.before(ping, async () => {
      await sleep(20);
      order.push('before b');
    });
    a.handlers.before(ping, () => void order.push('before a'));

    const result = await dispatch([a, b], ping, {});

    expect(result.status).toBe('completed');
    expect(order.slice(0, 2).sort()).toEqual(['before a', 'before b']);
    expect(order.slice(2)).toEqual(['on a', 'after a']);
  });

  it('run concurrently across connectors', async () => {
    // Each before handler waits for the other to have started: sequential dispatch would deadlock.
    const aStarted = deferred();
    const bStarted = deferred();
    const a = participant('a');
    const b = participant('b');
    a.handlers.before(ping, async () => {
      aStarted.resolve();
      await bStarted.promise;
    });
    b.handlers.before(ping, async () => {
      bStarted.resolve();
      await aStarted.promise;
    });
    const on = vi.fn(() => 'answered');
    a.handlers.on(ping, on);

    const result = await within(dispatch([a, b], ping, {}), DEADLOCK_MS, 'dispatch');

    expect(result.status).toBe('completed');
    expect(on).toHaveBeenCalledOnce();
  });

  it('run in registration order, one at a time, within one connector', async () => {
    const log: string[] = [];
    const a = participant('a');
    a.handlers.before(ping, async () => {
      log.push('first start');
      await sleep(30);
      log.push('first end');
    });
    a.handlers.before(ping, async () => {
      log.push('second start');
      await sleep(1);
      log.push('second end');
    });

    await dispatch([a], ping, {});

    expect(log).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('cancel the event with EventCancelledError: no on or after handler runs, the result says who and why', async () => {
    const gate = participant('gate');
    const worker = participant('worker');
    gate.handlers.before(ping, () => {
      throw new EventCancelledError('outside the change window', { source: 'webhook "business_hours"' });
    });
    const laterBefore = vi.fn();
    gate.handlers.before(ping, laterBefore);
    const on = vi.fn(() => 'x');
    const after = vi.fn();
    worker.handlers.on(ping, on);
    worker.handlers.after(ping, after);
    gate.handlers.after(ping, after);

    const result = await dispatch([gate, worker], ping, { message: 'go' });

    expect(result).toMatchObject({
      status: 'cancelled',
      event: 'ping',
      cancelledBy: 'gate',
      reason: 'outside the change window',
      source: 'webhook "business_hours"',
    });
    expect(result.status === 'cancelled' && result.error).toBeInstanceOf(EventCancelledError);
    expect(laterBefore).not.toHaveBeenCalled();
    expect(on).not.toHaveBeenCalled();
    expect(after).not.toHaveBeenCalled();
  });

  it('make a cancelled dispatch distinguishable from a completed one with no results', async () => {
    const silent = participant('silent');
    silent.handlers.on(ping, () => undefined as unknown as string);
    const completed = await dispatch([silent], ping, {});

    const gate = participant('gate');
    gate.handlers.before(ping, () => {
      throw new EventCancelledError('no');
    });
    const cancelled = await dispatch([gate, silent], ping, {});

    expect(completed).toEqual({ status: 'completed', event: 'ping', results: [], afterErrors: [] });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled).not.toHaveProperty('results');
    expect(cancelled).toMatchObject({ cancelledBy: 'gate', reason: 'no', source: undefined });
  });

  it('turn any other error into a HandlerError naming the connector; on handlers do not run', async () => {
    const a = participant('a');
    const b = participant('broken');
    b.handlers.before(ping, () => {
      throw new Error('disk full');
    });
    const on = vi.fn(() => 'x');
    a.handlers.on(ping, on);

    const err = await dispatch([a, b], ping, {}).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code: 'SERVO_HANDLER_FAILED', connector: 'broken', event: 'ping', preposition: 'before' });
    expect((err as Error).message).toContain('disk full');
    expect((err as Error).cause).toBeInstanceOf(Error);
    expect(on).not.toHaveBeenCalled();
  });
});

describe('dispatch: on handlers', () => {
  it('run concurrently', async () => {
    const aStarted = deferred();
    const bStarted = deferred();
    const a = participant('a');
    const b = participant('b');
    a.handlers.on(ping, async () => {
      aStarted.resolve();
      await bStarted.promise;
      return 'from a';
    });
    b.handlers.on(ping, async () => {
      bStarted.resolve();
      await aStarted.promise;
      return 'from b';
    });

    const result = await within(dispatch([a, b], ping, {}), DEADLOCK_MS, 'dispatch');

    expect(result).toMatchObject({
      status: 'completed',
      results: [
        { connector: 'a', value: 'from a' },
        { connector: 'b', value: 'from b' },
      ],
    });
  });

  it('receive the validated parameters (defaults applied)', async () => {
    const a = participant('a');
    const seen: unknown[] = [];
    a.handlers.on(ping, (params, ctx) => {
      seen.push(params, ctx.params, ctx.event.name);
      return params.message;
    });

    await dispatch([a], ping, { items: [{ n: 1 }] });

    expect(seen).toEqual([{ message: 'hello', items: [{ n: 1 }] }, { message: 'hello', items: [{ n: 1 }] }, 'ping']);
  });

  it('with `first`, stop at the first connector that returns a value; later ones are not called', async () => {
    const empty = participant('empty');
    const answers = participant('answers');
    const never = participant('never');
    const emptyOn = vi.fn(() => undefined as unknown as string);
    empty.handlers.on(ping, emptyOn);
    answers.handlers.on(ping, (p) => `answer to ${p.message}`);
    const neverOn = vi.fn(() => 'too late');
    never.handlers.on(ping, neverOn);

    const result = await dispatch([empty, answers, never], ping, { message: 'q' }, { first: true });

    expect(emptyOn).toHaveBeenCalledOnce();
    expect(neverOn).not.toHaveBeenCalled();
    expect(result).toMatchObject({ status: 'completed', results: [{ connector: 'answers', value: 'answer to q' }] });
  });

  it('with `include`, only the named connectors take part (at every preposition)', async () => {
    const calls: string[] = [];
    const ps = ['a', 'b', 'c'].map((n) => {
      const p = participant(n);
      p.handlers.before(ping, () => void calls.push(`before ${n}`));
      p.handlers.on(ping, () => n);
      p.handlers.after(ping, () => void calls.push(`after ${n}`));
      return p;
    });

    const result = await dispatch(ps, ping, {}, { include: ['a', 'c'] });

    expect(result.status === 'completed' && result.results.map((r) => r.connector)).toEqual(['a', 'c']);
    expect(calls.sort()).toEqual(['after a', 'after c', 'before a', 'before c']);
  });

  it('with `exclude`, the named connectors do not take part', async () => {
    const ps = ['a', 'b', 'c'].map((n) => {
      const p = participant(n);
      p.handlers.on(ping, () => n);
      return p;
    });

    const result = await dispatch(ps, ping, {}, { exclude: ['b'] });

    expect(result.status === 'completed' && result.results.map((r) => r.value)).toEqual(['a', 'c']);
  });

  it("with `returnExceptions`, an error becomes that connector's result and the rest still answer", async () => {
    const ok = participant('ok');
    const broken = participant('broken');
    ok.handlers.on(ping, () => 'fine');
    const cause = new Error('backend down');
    broken.handlers.on(ping, () => {
      throw cause;
    });
    const after = vi.fn();
    ok.handlers.after(ping, after);

    const result = await dispatch([broken, ok], ping, {}, { returnExceptions: true });

    expect(result.status).toBe('completed');
    const results = (result as Extract<DispatchResult, { status: 'completed' }>).results;
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ connector: 'broken' });
    expect(results[0]).not.toHaveProperty('value');
    expect(results[0]!.error).toBeInstanceOf(HandlerError);
    expect(results[0]!.error).toMatchObject({ connector: 'broken', preposition: 'on' });
    expect(results[0]!.error!.cause).toBe(cause);
    expect(results[1]).toEqual({ connector: 'ok', value: 'fine' });
    expect(after).toHaveBeenCalledWith(results, expect.anything());
  });

  it('without `returnExceptions`, an error rejects the dispatch with a HandlerError naming the connector; after handlers do not run', async () => {
    const ok = participant('ok');
    const broken = participant('broken');
    ok.handlers.on(ping, () => 'fine');
    broken.handlers.on(ping, async () => {
      throw new Error('backend down');
    });
    const after = vi.fn();
    ok.handlers.after(ping, after);
    broken.handlers.after(ping, after);

    const err = await dispatch([ok, broken], ping, {}).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ connector: 'broken', event: 'ping', preposition: 'on' });
    expect((err as Error).message).toContain('"broken"');
    expect((err as Error).message).toContain('backend down');
    expect(after).not.toHaveBeenCalled();
  });

  it('cannot cancel: EventCancelledError from an on handler is an error, not a cancellation', async () => {
    const a = participant('a');
    a.handlers.on(ping, () => {
      throw new EventCancelledError('too late to cancel');
    });

    const err = await dispatch([a], ping, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerError);
    expect((err as Error).message).toMatch(/cannot cancel/);
    expect((err as Error).message).toContain('too late to cancel');

    const result = await dispatch([a], ping, {}, { returnExceptions: true });
    expect(result.status).toBe('completed');
    expect(result.status === 'completed' && result.results[0]!.error).toBeInstanceOf(HandlerError);
  });
});

describe('dispatch: after handlers', () => {
  it('receive the on results and ctx.params', async () => {
    const a = participant('a');
    const b = participant('b');
    a.handlers.on(ping, (p) => `a:${p.message}`);
    b.handlers.on(ping, (p) => `b:${p.message}`);
    let received: { results: readonly EventResult[]; params: unknown } | undefined;
    b.handlers.after(ping, (results, ctx) => {
      received = { results, params: ctx.params };
    });

    await dispatch([a, b], ping, { message: 'm' });

    expect(received).toEqual({
      results: [
        { connector: 'a', value: 'a:m' },
        { connector: 'b', value: 'b:m' },
      ],
      params: { message: 'm', items: [] },
    });
  });

  it('run concurrently', async () => {
    const aStarted = deferred();
    const bStarted = deferred();
    const a = participant('a');
    const b = participant('b');
    a.handlers.after(ping, async () => {
      aStarted.resolve();
      await bStarted.promise;
    });
    b.handlers.after(ping, async () => {
      bStarted.resolve();
      await aStarted.promise;
    });

    const result = await within(dispatch([a, b], ping, {}), DEADLOCK_MS, 'dispatch');
    expect(result.status).toBe('completed');
  });

  it('errors are collected in afterErrors: not thrown, not lost, the other after handlers still run', async () => {
    const a = participant('a');
    const b = participant('b');
    a.handlers.on(ping, () => 'value');
    a.handlers.after(ping, () => {
      throw new Error('audit log unreachable');
    });
    b.handlers.after(ping, async () => {
      throw new Error('second failure');
    });
    const fine = vi.fn();
    b.handlers.after(ping, fine);

    const result = await dispatch([a, b], ping, {});

    expect(fine).toHaveBeenCalledOnce();
    expect(result.status).toBe('completed');
    const done = result as Extract<DispatchResult, { status: 'completed' }>;
    expect(done.results).toEqual([{ connector: 'a', value: 'value' }]);
    expect(done.afterErrors).toHaveLength(2);
    for (const e of done.afterErrors) expect(e).toBeInstanceOf(HandlerError);
    expect(done.afterErrors.map((e) => [e.connector, e.preposition, (e.cause as Error).message]).sort()).toEqual([
      ['a', 'after', 'audit log unreachable'],
      ['b', 'after', 'second failure'],
    ]);
  });
});

describe('dispatch: parameters', () => {
  it('are validated against the event schema before any handler runs; the error names the field path', async () => {
    const a = participant('a');
    const before = vi.fn();
    const on = vi.fn(() => 'x');
    a.handlers.before(ping, before);
    a.handlers.on(ping, on);

    const err = await dispatch([a], ping, { items: [{ n: 1 }, { n: 'two' }] } as never).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(EventParameterError);
    expect(err).toMatchObject({ code: 'SERVO_EVENT_PARAMETERS', event: 'ping' });
    expect((err as EventParameterError).issues).toHaveLength(1);
    expect((err as EventParameterError).issues[0]).toMatch(/^items\.1\.n: /);
    expect((err as Error).message).toContain('items.1.n');
    expect(before).not.toHaveBeenCalled();
    expect(on).not.toHaveBeenCalled();
  });

  it('unknown keys of a plain object schema are dropped, not passed to handlers', async () => {
    const strict = { ...ping, params: z.object({ message: z.string() }) };
    const a = participant('a');
    let seen: unknown;
    a.handlers.on(strict, (p) => {
      seen = p;
      return 'ok';
    });
    await dispatch([a], strict, { message: 'm', extra: 1 } as never);
    expect(seen).toEqual({ message: 'm' });
  });
});

describe('dispatch: handler removal', () => {
  it('the function returned when adding a handler removes it, at each preposition', async () => {
    const a = participant('a');
    const before = vi.fn();
    const on = vi.fn(() => 'removed');
    const after = vi.fn();
    const removeBefore = a.handlers.before(ping, before);
    const removeOn = a.handlers.on(ping, on);
    a.handlers.on(ping, () => 'kept');
    const removeAfter = a.handlers.after(ping, after);

    removeBefore();
    removeOn();
    removeAfter();
    const result = await dispatch([a], ping, {});

    expect(before).not.toHaveBeenCalled();
    expect(on).not.toHaveBeenCalled();
    expect(after).not.toHaveBeenCalled();
    expect(result).toMatchObject({ status: 'completed', results: [{ connector: 'a', value: 'kept' }] });
  });

  it('removing twice does not remove another handler', async () => {
    const a = participant('a');
    const remove = a.handlers.on(ping, () => 'first');
    a.handlers.on(ping, () => 'second');
    remove();
    remove();
    const result = await dispatch([a], ping, {});
    expect(result).toMatchObject({ results: [{ connector: 'a', value: 'second' }] });
  });
});
