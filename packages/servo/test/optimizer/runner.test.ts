/** The optimization loop against the fake optimizer on 127.0.0.1: commands, statuses, progress, cancel, failures. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OptimizerSection } from '../../src/assembly/config/optimizer-section.js';
import { Servo } from '../../src/assembly/servo.js';
import { defineConnector } from '../../src/connector/connector.js';
import { AdjustmentRejectedError, EventCancelledError } from '../../src/errors.js';
import * as standard from '../../src/events/standard.js';
import { OptimizerClient } from '../../src/optimizer/client.js';
import { resolveOptimizer } from '../../src/optimizer/config.js';
import { OptimizerUnauthorizedError } from '../../src/optimizer/errors.js';
import { OptimizerRunner } from '../../src/optimizer/runner.js';
import { recordingLogger, type RecordingLogger } from '../../../../test-support/index.js';
import { type FakeOptimizer, type FakeRecord, startFakeOptimizer } from '../../src/optimizer/fake/index.js';

const metadata = { version: '1.0.0', description: 'test', maturity: 'experimental' } as const;
const TOKEN = 'sekrit-token-123';
type Behaviour = {
  measure?: (signal: AbortSignal, progress: (p: number, m?: string) => void) => Promise<unknown>;
  adjust?: (params: { adjustments: { component_name: string; setting_name: string; value: unknown }[] }) => Promise<unknown>;
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const description = {
  components: [
    {
      name: 'main',
      settings: [
        { name: 'cpu', type: 'range', unit: 'cores', min: 1, max: 4, step: 0.5, value: 2 },
        { name: 'replicas', type: 'range', min: 1, max: 8, step: 1, value: 2 },
      ],
    },
  ],
  metrics: [{ name: 'throughput', unit: 'rpm' }],
};

function target(b: Behaviour) {
  return defineConnector({
    type: 'target',
    metadata,
    config: z.object({}),
    setup(ctx) {
      ctx.on(standard.describe, () => description as never);
      ctx.on(standard.measure, async (_p, hctx) => {
        if (b.measure) return (await b.measure(hctx.signal, hctx.progress)) as never;
        return { readings: [{ metric: { name: 'throughput', unit: 'rpm' }, time: '2023-11-14T22:13:20Z', value: 42 }], annotations: {} } as never;
      });
      ctx.on(standard.adjust, async (p) => (b.adjust ? ((await b.adjust(p as never)) as never) : (description as never)));
    },
  });
}

/** Denies adjustments to more than 3 replicas, as a webhook gate would. */
const gate = defineConnector({
  type: 'gate',
  metadata,
  config: z.object({}),
  setup(ctx) {
    ctx.before(standard.adjust, (p) => {
      if (p.adjustments.some((a) => a.setting_name === 'replicas' && Number(a.value) > 3)) {
        throw new EventCancelledError('more than 3 replicas needs a change ticket', { source: 'webhook "window"' });
      }
    });
  },
});

interface Setup {
  fake: FakeOptimizer;
  runner: OptimizerRunner;
  logger: RecordingLogger;
  running: Promise<void>;
}

/** A received envelope, read loosely in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: envelopes are read loosely in assertions, as with JSON.parse
type Loose = any;

/** The envelopes the fake received, in order. */
const envelopes = (fake: FakeOptimizer): Loose[] => fake.records.map((r) => r.message);
/** Replies (DESCRIPTION/MEASUREMENT/ADJUSTMENT carrying a status). */
const replies = (fake: FakeOptimizer): Loose[] => envelopes(fake).filter((e) => e.param && typeof e.param === 'object' && 'status' in e.param);
/** The cmd_uid the fake sent with the step's command. */
const uidOf = (fake: FakeOptimizer, step: number): string | undefined => fake.result().steps[step]?.cmdUid;

/** Resolves once `count` envelopes match `filter` (polling the fake's records). */
async function waitFor(fake: FakeOptimizer, filter: (e: Loose, r: FakeRecord) => boolean, count = 1, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (fake.records.filter((r) => filter(r.message, r)).length < count) {
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${count} matching messages; got ${JSON.stringify(envelopes(fake).map((e) => e?.event))}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(
  plan: readonly unknown[] | Readonly<Record<string, unknown>>,
  b: Behaviour = {},
  section: Record<string, unknown> = {},
  extra: { withGate?: boolean } = {},
): Promise<Setup> {
  const fake = await startFakeOptimizer({ plan, token: TOKEN });
  cleanups.push(() => fake.close());
  const logger = recordingLogger();
  const servo = await Servo.create({
    name: 'test',
    logger,
    connectors: [{ definition: target(b) }, ...(extra.withGate ? [{ definition: gate }] : [])],
  });
  cleanups.push(() => servo.close());
  const settings = resolveOptimizer({ url: fake.optimizerUrl, token: TOKEN }, {}, OptimizerSection.parse({ servo_uid: 'uid-1', timeout: '2s', ...section }), {
    cwd: '/',
  })!;
  const runner = new OptimizerRunner({
    servo,
    client: new OptimizerClient(settings, { userAgent: 'servo-core test' }),
    logger,
    hello: { agent: 'servo-core vtest', telemetry: {} },
    backoff: { baseMs: 20, capMs: 100 },
    statusRetryMs: 30,
    stopGraceMs: 500,
  });
  cleanups.push(() => runner.stop('test end'));
  return { fake, runner, logger, running: runner.run() };
}

const replyTo = (event: string) => (e: Loose) => e?.event === event && !!e.param && typeof e.param === 'object' && 'status' in e.param;

describe('the loop', () => {
  it('says hello, runs describe, measure and adjust, echoes cmd_uid, sleeps, and says goodbye with the reason', async () => {
    const { fake, runner, logger } = await setup({
      idle_sleep: '60s',
      steps: [
        'describe',
        { measure: { metrics: { throughput: { unit: 'rpm' } }, control: { duration: 0 } } },
        { adjust: { settings: { 'main.cpu': 1.5 }, control: {} } },
      ],
    });
    await waitFor(fake, replyTo('ADJUSTMENT'));
    await waitFor(fake, (e) => e.event === 'WHATS_NEXT', 4);
    const started = performance.now();
    await runner.stop('SIGTERM');
    expect(performance.now() - started).toBeLessThan(1000); // SLEEP 60 interrupted at once
    const all = envelopes(fake);
    expect(all[0]).toEqual({ event: 'HELLO', param: { agent: 'servo-core vtest', telemetry: {} }, servo_uid: 'uid-1' });
    expect(all.every((e) => e.servo_uid === 'uid-1')).toBe(true);
    expect(all.at(-1)).toEqual({ event: 'GOODBYE', param: { reason: 'SIGTERM' }, servo_uid: 'uid-1' });
    const [d, m, a] = replies(fake);
    expect(d).toMatchObject({ event: 'DESCRIPTION', param: { status: 'ok', reason: 'success', message: null, cmd_uid: uidOf(fake, 0) } });
    expect(d.param.descriptor.application.components.main.settings.cpu).toEqual({
      type: 'range',
      unit: 'cores',
      min: 1,
      max: 4,
      step: 0.5,
      pinned: false,
      value: 2,
    });
    expect(d.param.descriptor.measurement).toEqual({ metrics: { throughput: { unit: 'rpm' } } });
    expect(m).toMatchObject({
      event: 'MEASUREMENT',
      param: { status: 'ok', cmd_uid: uidOf(fake, 1), metrics: { throughput: { unit: 'rpm', value: 42 } }, annotations: {} },
    });
    expect(a).toMatchObject({ event: 'ADJUSTMENT', param: { status: 'ok', cmd_uid: uidOf(fake, 2) } });
    expect(a.param.state.application.components.main.settings.replicas.value).toBe(2);
    // The fake answers 401 to a request without the bearer token and 404 off its endpoint: every request carried both.
    expect(fake.records.every((r) => r.http === 200)).toBe(true);
    expect(fake.result()).toMatchObject({ ok: true, problems: [], goodbye: { reason: 'SIGTERM' } });
    expect(logger.text()).not.toContain(TOKEN);
  });
});

describe('statuses', () => {
  it('cancelled: a before handler (a gate) cancels an adjust; the reason verbatim, who in the message; an allowed one is ok', async () => {
    const { fake } = await setup(
      [
        { adjust: { settings: { 'main.replicas': 5 }, control: {} }, expect: 'cancelled' },
        { adjust: { settings: { 'main.replicas': 2 }, control: {} }, expect: 'ok' },
      ],
      {},
      {},
      { withGate: true },
    );
    await waitFor(fake, replyTo('ADJUSTMENT'), 2);
    const [denied, allowed] = replies(fake);
    expect(denied.param).toEqual({
      status: 'cancelled',
      reason: 'more than 3 replicas needs a change ticket',
      message: 'cancelled by gate (webhook "window"): more than 3 replicas needs a change ticket',
      cmd_uid: uidOf(fake, 0),
    });
    expect(allowed.param).toMatchObject({ status: 'ok', cmd_uid: uidOf(fake, 1) });
    expect(fake.result().ok).toBe(true);
  });

  it('rejected: a connector refuses the adjustment', async () => {
    const { fake } = await setup([{ adjust: { settings: { 'main.cpu': 9 } } }], {
      adjust: async () => {
        throw new AdjustmentRejectedError('cpu 9 is above the node size');
      },
    });
    await waitFor(fake, replyTo('ADJUSTMENT'));
    expect(replies(fake)[0].param).toMatchObject({ status: 'rejected', reason: 'cpu 9 is above the node size', cmd_uid: uidOf(fake, 0) });
  });

  it('failed: a connector error, its message; an unusable command too', async () => {
    const { fake } = await setup([{ measure: { control: {} } }, { adjust: { state: {} } }], {
      measure: async () => {
        throw new Error('prometheus is down');
      },
    });
    await waitFor(fake, replyTo('ADJUSTMENT'));
    const [m, a] = replies(fake);
    expect(m.param).toMatchObject({ status: 'failed', cmd_uid: uidOf(fake, 0), reason: 'SERVO_HANDLER_FAILED' });
    expect(m.param.message).toContain('prometheus is down');
    expect(a.param).toMatchObject({ status: 'failed', cmd_uid: uidOf(fake, 1), reason: 'SERVO_EVENT_PARAMETERS' });
  });

  it('aborted: a command running at shutdown is cut short and reported, then GOODBYE', async () => {
    const { fake, runner } = await setup([{ measure: { control: { duration: 60 } } }], {
      measure: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('measure aborted')))),
    });
    await waitFor(fake, (e) => e.event === 'WHATS_NEXT');
    await new Promise((r) => setTimeout(r, 100));
    await runner.stop('SIGINT');
    expect(replies(fake)[0].param).toEqual({ status: 'aborted', reason: 'shutdown', message: 'the servo is shutting down', cmd_uid: uidOf(fake, 0) });
    expect(envelopes(fake).at(-1)).toMatchObject({ event: 'GOODBYE', param: { reason: 'SIGINT' } });
  });
});

describe('progress and cancel', () => {
  it('posts connector progress every progress_interval; a cancel answer aborts the event and the reply says cancelled', async () => {
    const { fake } = await setup(
      [{ measure: { control: { duration: 60 } }, cancel: { after: 2, reason: 'enough' } }],
      {
        measure: (signal, progress) => {
          progress(25, 'a quarter');
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        },
      },
      { progress_interval: '50ms' },
    );
    await waitFor(fake, replyTo('MEASUREMENT'));
    const progress = envelopes(fake).filter((e) => e.event === 'MEASUREMENT' && 'progress' in e.param);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].param).toMatchObject({ progress: 25, cmd_uid: uidOf(fake, 0), message: 'a quarter' });
    expect(typeof progress[0].param.runtime).toBe('number');
    expect(replies(fake)[0].param).toMatchObject({ status: 'cancelled', cmd_uid: uidOf(fake, 0) });
  });

  it('estimates a measure progress from delay + warmup + duration when no connector reports', async () => {
    const { fake, logger } = await setup(
      [{ measure: { control: { duration: 1 } }, answer_progress: 'unexpected-event' }],
      { measure: () => new Promise((r) => setTimeout(() => r({ readings: [] }), 400)) },
      { progress_interval: '100ms' },
    );
    await waitFor(fake, replyTo('MEASUREMENT'));
    const progress = envelopes(fake).filter((e) => e.event === 'MEASUREMENT' && 'progress' in e.param);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1).param.progress).toBeGreaterThan(10);
    expect(progress.at(-1).param.progress).toBeLessThanOrEqual(100);
    expect(logger.text()).toContain('did not accept a progress report');
  });
});

describe('failures', () => {
  it('retries a 503 with backoff, each failure logged with the next wait', async () => {
    const { fake, logger } = await setup([{ describe: {}, fail: { status: 503, times: 2 } }]);
    await waitFor(fake, replyTo('DESCRIPTION'));
    const warns = logger.at('warn').filter((l) => l.msg === 'WHATS_NEXT failed; retrying');
    expect(warns).toHaveLength(2);
    expect(warns[0]!.obj).toMatchObject({ status: 503, attempt: 1 });
    expect(typeof warns[0]!.obj.retryInMs).toBe('number');
  });

  it('stops on 401 with an error naming the URL, never the token', async () => {
    // The servo's token is not the fake's: every request is answered 401.
    const fake = await startFakeOptimizer({ plan: ['describe'], token: 'the-fakes-own-token' });
    cleanups.push(() => fake.close());
    const servo = await Servo.create({ name: 't', connectors: [] });
    cleanups.push(() => servo.close());
    const settings = resolveOptimizer({ url: fake.optimizerUrl, token: TOKEN }, {}, undefined, { cwd: '/' })!;
    const runner = new OptimizerRunner({
      servo,
      client: new OptimizerClient(settings, { userAgent: 'x' }),
      logger: recordingLogger(),
      hello: { agent: 'x', telemetry: {} },
    });
    const err = await runner.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OptimizerUnauthorizedError);
    expect((err as Error).message).toContain(fake.endpoint);
    expect((err as Error).message).not.toContain(TOKEN);
    expect(fake.records.map((r) => r.http)).toEqual([401]);
    await runner.stop('shutdown');
  });

  it('survives another 4xx: logs it with the answer and asks again after a backoff', async () => {
    const { fake, logger } = await setup([{ describe: {}, fail: { status: 400, times: 1 } }]);
    await waitFor(fake, replyTo('DESCRIPTION'));
    const error = logger.errors.find((l) => l.msg === 'WHATS_NEXT was not accepted by the optimizer');
    expect(error?.obj).toMatchObject({ status: 400, body: expect.stringContaining('HTTP 400 injected') });
  });

  it('asks again when WHATS_NEXT is answered with a status', async () => {
    const { fake, logger } = await setup([{ status: { status: 'ok', message: 'nothing yet' } }, 'describe']);
    await waitFor(fake, replyTo('DESCRIPTION'));
    expect(fake.records.find((r) => r.event === 'WHATS_NEXT')?.answer).toEqual({ status: 'ok', message: 'nothing yet' });
    expect(logger.text()).toContain('answered WHATS_NEXT with a status instead of a command');
  });

  it('retries HELLO until it is answered', async () => {
    const { fake, logger } = await setup({ hello: { fail: { status: 404, times: 3 } }, steps: ['describe'] });
    await waitFor(fake, replyTo('DESCRIPTION'));
    expect(envelopes(fake).filter((e) => e.event === 'HELLO')).toHaveLength(4);
    expect(logger.at('warn').filter((l) => l.msg === 'HELLO failed; retrying')).toHaveLength(3);
  });
});
