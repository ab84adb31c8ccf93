/** The optimization loop against a scripted optimizer on 127.0.0.1: commands, statuses, progress, cancel, failures. */
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
import { startOptimizer, type TestOptimizer } from './optimizer.js';

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
  opt: TestOptimizer;
  runner: OptimizerRunner;
  logger: RecordingLogger;
  running: Promise<void>;
}

async function setup(plan: unknown[], b: Behaviour = {}, section: Record<string, unknown> = {}, extra: { withGate?: boolean } = {}): Promise<Setup> {
  const opt = await startOptimizer(plan);
  cleanups.push(() => opt.close());
  const logger = recordingLogger();
  const servo = await Servo.create({
    name: 'test',
    logger,
    connectors: [{ definition: target(b) }, ...(extra.withGate ? [{ definition: gate }] : [])],
  });
  cleanups.push(() => servo.close());
  const settings = resolveOptimizer({ url: opt.url, token: TOKEN }, {}, OptimizerSection.parse({ servo_uid: 'uid-1', timeout: '2s', ...section }), {
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
  return { opt, runner, logger, running: runner.run() };
}

const replyTo = (event: string) => (e: { event: string; param: unknown }) =>
  e.event === event && !!e.param && typeof e.param === 'object' && 'status' in e.param;

describe('the loop', () => {
  it('says hello, runs describe, measure and adjust, echoes cmd_uid, sleeps, and says goodbye with the reason', async () => {
    const { opt, runner, logger } = await setup([
      { cmd: 'DESCRIBE', cmd_uid: 'd1', param: {} },
      { cmd: 'MEASURE', cmd_uid: 'm1', param: { control: { duration: 0 }, metrics: { throughput: { unit: 'rpm' } } } },
      { cmd: 'ADJUST', cmd_uid: 'a1', param: { state: { application: { components: { main: { settings: { cpu: { value: 1.5 } } } } } }, control: {} } },
    ]);
    await opt.waitFor(replyTo('ADJUSTMENT'));
    await opt.waitFor((e) => e.event === 'WHATS_NEXT', 4);
    const started = performance.now();
    await runner.stop('SIGTERM');
    expect(performance.now() - started).toBeLessThan(1000); // SLEEP 60 interrupted at once
    const envelopes = opt.envelopes();
    expect(envelopes[0]).toEqual({ event: 'HELLO', param: { agent: 'servo-core vtest', telemetry: {} }, servo_uid: 'uid-1' });
    expect(envelopes.every((e) => e.servo_uid === 'uid-1')).toBe(true);
    expect(envelopes.at(-1)).toEqual({ event: 'GOODBYE', param: { reason: 'SIGTERM' }, servo_uid: 'uid-1' });
    const [d, m, a] = opt.replies();
    expect(d).toMatchObject({ event: 'DESCRIPTION', param: { status: 'ok', reason: 'success', message: null, cmd_uid: 'd1' } });
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
      param: { status: 'ok', cmd_uid: 'm1', metrics: { throughput: { unit: 'rpm', value: 42 } }, annotations: {} },
    });
    expect(a).toMatchObject({ event: 'ADJUSTMENT', param: { status: 'ok', cmd_uid: 'a1' } });
    expect(a.param.state.application.components.main.settings.replicas.value).toBe(2);
    expect(opt.receiver.requests.every((r) => r.header('authorization') === `Bearer ${TOKEN}` && r.path === '/api/servo')).toBe(true);
    expect(logger.text()).not.toContain(TOKEN);
  });
});

describe('statuses', () => {
  it('cancelled: a before handler (a gate) cancels an adjust; the reason verbatim, who in the message; an allowed one is ok', async () => {
    const state = (replicas: number) => ({ application: { components: { main: { settings: { replicas: { value: replicas } } } } } });
    const { opt } = await setup(
      [
        { cmd: 'ADJUST', cmd_uid: 'deny', param: { state: state(5), control: {} } },
        { cmd: 'ADJUST', cmd_uid: 'allow', param: { state: state(2), control: {} } },
      ],
      {},
      {},
      { withGate: true },
    );
    await opt.waitFor(replyTo('ADJUSTMENT'), 2);
    const [denied, allowed] = opt.replies();
    expect(denied.param).toEqual({
      status: 'cancelled',
      reason: 'more than 3 replicas needs a change ticket',
      message: 'cancelled by gate (webhook "window"): more than 3 replicas needs a change ticket',
      cmd_uid: 'deny',
    });
    expect(allowed.param).toMatchObject({ status: 'ok', cmd_uid: 'allow' });
  });

  it('rejected: a connector refuses the adjustment', async () => {
    const { opt } = await setup(
      [{ cmd: 'ADJUST', cmd_uid: 'r', param: { state: { application: { components: { main: { settings: { cpu: { value: 9 } } } } } } } }],
      {
        adjust: async () => {
          throw new AdjustmentRejectedError('cpu 9 is above the node size');
        },
      },
    );
    await opt.waitFor(replyTo('ADJUSTMENT'));
    expect(opt.replies()[0].param).toMatchObject({ status: 'rejected', reason: 'cpu 9 is above the node size', cmd_uid: 'r' });
  });

  it('failed: a connector error, its message; an unusable command too', async () => {
    const { opt } = await setup(
      [
        { cmd: 'MEASURE', cmd_uid: 'f', param: { control: {} } },
        { cmd: 'ADJUST', cmd_uid: 'empty', param: { state: {} } },
      ],
      {
        measure: async () => {
          throw new Error('prometheus is down');
        },
      },
    );
    await opt.waitFor(replyTo('ADJUSTMENT'));
    const [m, a] = opt.replies();
    expect(m.param).toMatchObject({ status: 'failed', cmd_uid: 'f', reason: 'SERVO_HANDLER_FAILED' });
    expect(m.param.message).toContain('prometheus is down');
    expect(a.param).toMatchObject({ status: 'failed', cmd_uid: 'empty', reason: 'SERVO_EVENT_PARAMETERS' });
  });

  it('aborted: a command running at shutdown is cut short and reported, then GOODBYE', async () => {
    const { opt, runner } = await setup([{ cmd: 'MEASURE', cmd_uid: 'long', param: { control: { duration: 60 } } }], {
      measure: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('measure aborted')))),
    });
    await opt.waitFor((e) => e.event === 'WHATS_NEXT');
    await new Promise((r) => setTimeout(r, 100));
    await runner.stop('SIGINT');
    expect(opt.replies()[0].param).toEqual({ status: 'aborted', reason: 'shutdown', message: 'the servo is shutting down', cmd_uid: 'long' });
    expect(opt.envelopes().at(-1)).toMatchObject({ event: 'GOODBYE', param: { reason: 'SIGINT' } });
  });
});

describe('progress and cancel', () => {
  it('posts connector progress every progress_interval; a cancel answer aborts the event and the reply says cancelled', async () => {
    const { opt } = await setup(
      [{ cmd: 'MEASURE', cmd_uid: 'p', param: { control: { duration: 60 } } }],
      {
        measure: (signal, progress) => {
          progress(25, 'a quarter');
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        },
      },
      { progress_interval: '50ms' },
    );
    let reports = 0;
    opt.progress = () => (++reports >= 2 ? { status: 'cancel', reason: 'enough' } : { status: 'ok' });
    await opt.waitFor(replyTo('MEASUREMENT'));
    const progress = opt.envelopes().filter((e) => e.event === 'MEASUREMENT' && 'progress' in e.param);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].param).toMatchObject({ progress: 25, cmd_uid: 'p', message: 'a quarter' });
    expect(typeof progress[0].param.runtime).toBe('number');
    expect(opt.replies()[0].param).toMatchObject({ status: 'cancelled', cmd_uid: 'p' });
  });

  it('estimates a measure progress from delay + warmup + duration when no connector reports', async () => {
    const { opt, logger } = await setup(
      [{ cmd: 'MEASURE', cmd_uid: 'e', param: { control: { duration: 1 } } }],
      { measure: () => new Promise((r) => setTimeout(() => r({ readings: [] }), 400)) },
      { progress_interval: '100ms' },
    );
    opt.progress = () => ({ status: 'unexpected-event', message: 'who?' });
    await opt.waitFor(replyTo('MEASUREMENT'));
    const progress = opt.envelopes().filter((e) => e.event === 'MEASUREMENT' && 'progress' in e.param);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1).param.progress).toBeGreaterThan(10);
    expect(progress.at(-1).param.progress).toBeLessThanOrEqual(100);
    expect(logger.text()).toContain('did not accept a progress report');
  });
});

describe('failures', () => {
  it('retries a 503 with backoff, each failure logged with the next wait', async () => {
    const { opt, logger } = await setup([{ cmd: 'DESCRIBE', cmd_uid: 'd', param: {} }]);
    let n = 0;
    opt.intercept = (_r, e) => (e.event === 'WHATS_NEXT' && ++n <= 2 ? { status: 503, body: 'busy' } : undefined);
    await opt.waitFor(replyTo('DESCRIPTION'));
    const warns = logger.at('warn').filter((l) => l.msg === 'WHATS_NEXT failed; retrying');
    expect(warns).toHaveLength(2);
    expect(warns[0]!.obj).toMatchObject({ status: 503, attempt: 1 });
    expect(typeof warns[0]!.obj.retryInMs).toBe('number');
  });

  it('stops on 401 with an error naming the URL, never the token', async () => {
    const opt = await startOptimizer([]);
    cleanups.push(() => opt.close());
    opt.intercept = () => ({ status: 401, body: 'no' });
    const servo = await Servo.create({ name: 't', connectors: [] });
    cleanups.push(() => servo.close());
    const settings = resolveOptimizer({ url: opt.url, token: TOKEN }, {}, undefined, { cwd: '/' })!;
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
    expect((err as Error).message).toContain(`${opt.url}servo`);
    expect((err as Error).message).not.toContain(TOKEN);
    await runner.stop('shutdown');
  });

  it('survives another 4xx: logs it with the answer and asks again after a backoff', async () => {
    const { opt, logger } = await setup([{ cmd: 'DESCRIBE', cmd_uid: 'd', param: {} }]);
    let n = 0;
    opt.intercept = (_r, e) => (e.event === 'WHATS_NEXT' && ++n === 1 ? { status: 400, body: 'bad envelope' } : undefined);
    await opt.waitFor(replyTo('DESCRIPTION'));
    const error = logger.errors.find((l) => l.msg === 'WHATS_NEXT was not accepted by the optimizer');
    expect(error?.obj).toMatchObject({ status: 400, body: 'bad envelope' });
  });

  it('asks again when WHATS_NEXT is answered with a status', async () => {
    const { opt, logger } = await setup([
      { status: 'ok', message: 'nothing yet' },
      { cmd: 'DESCRIBE', cmd_uid: 'd', param: {} },
    ]);
    await opt.waitFor(replyTo('DESCRIPTION'));
    expect(logger.text()).toContain('answered WHATS_NEXT with a status instead of a command');
  });

  it('retries HELLO until it is answered', async () => {
    const { opt, logger } = await setup([{ cmd: 'DESCRIBE', cmd_uid: 'd', param: {} }]);
    let n = 0;
    opt.intercept = (_r, e) => (e.event === 'HELLO' && ++n <= 3 ? { status: n === 2 ? 404 : 502 } : undefined);
    await opt.waitFor(replyTo('DESCRIPTION'));
    expect(opt.envelopes().filter((e) => e.event === 'HELLO')).toHaveLength(4);
    expect(logger.at('warn').filter((l) => l.msg === 'HELLO failed; retrying')).toHaveLength(3);
  });
});
