/**
 * The connector contract as a connector author meets it, through the package's
 * root entry: start hooks, typed instances, and failures of several handlers.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  ConnectorStartError,
  HandlerError,
  HandlerErrors,
  Servo,
  ServoErrorCodes,
  defineConnector,
  events,
  type ConnectorDefinition,
  type ConnectorInstance,
} from '../../src/index.js';

const metadata = { version: '1.0.0', description: 'test connector', maturity: 'experimental' } as const;

/** A connector type that records its start hook and lifecycle events in `log`; `failStart` makes the hook throw. */
function recorder(type: string, log: string[], failStart = false): ConnectorDefinition<{ label: string }> {
  return defineConnector({
    type,
    metadata,
    config: z.object({ label: z.string().default('none') }),
    setup(ctx) {
      ctx.before(events.attach, () => void log.push(`before attach ${ctx.name}`));
      ctx.on(events.startup, () => void log.push(`startup ${ctx.name}`));
      ctx.on(events.shutdown, () => void log.push(`shutdown ${ctx.name}`));
      return {
        start: async () => {
          log.push(`start ${ctx.name}`);
          if (failStart) throw new Error(`${ctx.name} cannot resume`);
        },
        close: () => void log.push(`close ${ctx.name}`),
      };
    },
  });
}

describe('start hooks', () => {
  it('run in configuration order before attach and startup go out', async () => {
    const log: string[] = [];
    const type = recorder('rec', log);
    const servo = await Servo.create({
      name: 's',
      connectors: [
        { definition: type, name: 'one' },
        { definition: type, name: 'two' },
      ],
    });
    await servo.start();
    await servo.close();
    expect(log.slice(0, 2)).toEqual(['start one', 'start two']);
    expect(log.slice(2, 4).sort()).toEqual(['before attach one', 'before attach two']);
    expect(log.slice(4)).toEqual(['startup one', 'startup two', 'shutdown one', 'shutdown two', 'close two', 'close one']);
  });

  it('never run for a servo that is not started (one-shot commands)', async () => {
    const log: string[] = [];
    const servo = await Servo.create({ name: 's', connectors: [{ definition: recorder('rec', log) }] });
    await servo.dispatch(events.metrics, {});
    await servo.close();
    expect(log).toEqual(['close rec']);
  });

  it('stop the start when one fails: no event goes out, and closing sends no shutdown', async () => {
    const log: string[] = [];
    const servo = await Servo.create({
      name: 's',
      connectors: [{ definition: recorder('bad', log, true) }, { definition: recorder('good', log) }],
    });
    const err = await servo.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorStartError);
    expect(err).toMatchObject({ code: ServoErrorCodes.connectorStart, connector: 'bad', message: 'connector "bad" failed to start: bad cannot resume' });
    await servo.close();
    expect(log).toEqual(['start bad', 'close good', 'close bad']);
  });
});

describe('instancesOf', () => {
  it('gives the instances of a type with their config typed by its definition', async () => {
    const rec = recorder('rec', []);
    const other = recorder('other', []);
    const servo = await Servo.create({
      name: 's',
      connectors: [{ definition: rec, name: 'a', config: { label: 'first' } }, { definition: other }, { definition: rec, name: 'b' }],
    });
    const found = servo.instancesOf(rec);
    expectTypeOf(found).toEqualTypeOf<readonly ConnectorInstance<{ label: string }>[]>();
    expect(found.map((i) => [i.name, i.config.label])).toEqual([
      ['a', 'first'],
      ['b', 'none'],
    ]);
    // A definition of the same type from another copy of the package finds them too.
    expect(servo.instancesOf(recorder('rec', [])).map((i) => i.name)).toEqual(['a', 'b']);
    expect(servo.connectors.map((c) => c.name)).toEqual(['a', 'other', 'b']);
    await servo.close();
  });
});

describe('several failing handlers', () => {
  /** A connector whose `on` and `before` measure handlers throw, when configured to. */
  const failing = defineConnector({
    type: 'failing',
    metadata,
    config: z.object({ on: z.string().optional(), before: z.string().optional() }),
    setup(ctx) {
      ctx.on(events.metrics, () => {
        if (ctx.config.on) throw new Error(ctx.config.on);
        return [];
      });
      ctx.before(events.metrics, () => {
        if (ctx.config.before) throw new Error(ctx.config.before);
      });
    },
  });

  const servoWith = (...configs: { on?: string; before?: string }[]) =>
    Servo.create({ name: 's', connectors: configs.map((config, i) => ({ definition: failing, name: `c${i + 1}`, config })) });

  it('surface as one AggregateError whose message lists each connector’s error', async () => {
    const servo = await servoWith({ on: 'disk full' }, {}, { on: 'backend down' });
    const err = await servo.dispatch(events.metrics, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect(err).toBeInstanceOf(HandlerErrors);
    expect(err).toMatchObject({ code: ServoErrorCodes.handlersFailed, event: 'metrics' });
    const errors = (err as HandlerErrors).errors;
    expect(errors.map((e) => [e.connector, e.preposition])).toEqual([
      ['c1', 'on'],
      ['c3', 'on'],
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(HandlerError);
    expect((err as Error).message).toBe(
      '2 handlers of event "metrics" failed:\n' +
        '  on:metrics handler of connector "c1" failed: disk full\n' +
        '  on:metrics handler of connector "c3" failed: backend down',
    );
    await servo.close();
  });

  it('of before handlers too; one failure stays a HandlerError', async () => {
    const servo = await servoWith({ before: 'no token' }, { before: 'quota' });
    const err = await servo.dispatch(events.metrics, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerErrors);
    expect((err as Error).message).toContain('before:metrics handler of connector "c1" failed: no token');
    expect((err as Error).message).toContain('before:metrics handler of connector "c2" failed: quota');
    await servo.close();

    const one = await servoWith({ on: 'disk full' }, {});
    const single = await one.dispatch(events.metrics, {}).catch((e: unknown) => e);
    expect(single).toBeInstanceOf(HandlerError);
    expect(single).toMatchObject({ code: ServoErrorCodes.handlerFailed, connector: 'c1' });
    await one.close();
  });
});
