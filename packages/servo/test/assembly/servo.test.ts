import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Servo } from '../../src/assembly/servo.js';
import { defineConnector, type CheckSpec, type ConnectorDefinition } from '../../src/connector/connector.js';
import { ConfigError, ConfigErrors, EventParameterError, UnknownEventError } from '../../src/errors.js';
import { defineEvent } from '../../src/events/event.js';
import { Check } from '../../src/model/check.js';
import type { Exchange } from '../../src/pubsub/exchange.js';
import { recordingLogger } from '../../../../test-support/index.js';

const metadata = { version: '1.0.0', description: 'test connector', maturity: 'experimental' } as const;

const deploy = defineEvent({
  name: 'deploy',
  description: 'A release went out',
  params: z.object({ version: z.string() }),
  result: z.object({ acknowledged: z.boolean() }),
});

/** A connector type whose setup and close hook append to `log`. */
function recorder(type: string, log: string[], extra: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return defineConnector({
    type,
    metadata,
    config: z.object({}),
    setup(ctx) {
      log.push(`setup ${ctx.name}`);
      ctx.on('startup', () => void log.push(`startup ${ctx.name}`));
      ctx.on('shutdown', () => void log.push(`shutdown ${ctx.name}`));
      return { close: () => void log.push(`close ${ctx.name}`) };
    },
    ...extra,
  });
}

describe('Servo.create', () => {
  it('creates one instance per entry, in order, with validated config (defaults applied), names defaulting to the type', async () => {
    const seen: unknown[] = [];
    const greeter = defineConnector({
      type: 'greeter',
      metadata,
      config: z.object({ greeting: z.string().default('hi'), times: z.number().default(1) }),
      setup(ctx) {
        seen.push({ name: ctx.name, type: ctx.type, config: ctx.config, servo: ctx.servo.name });
      },
    });

    const servo = await Servo.create({
      name: 'my-servo',
      connectors: [{ definition: greeter }, { definition: greeter, name: 'loud', config: { greeting: 'HEY', times: 3 } }],
    });

    expect(servo.name).toBe('my-servo');
    expect(servo.connectors.map((c) => [c.name, c.type])).toEqual([
      ['greeter', 'greeter'],
      ['loud', 'greeter'],
    ]);
    expect(seen).toEqual([
      { name: 'greeter', type: 'greeter', config: { greeting: 'hi', times: 1 }, servo: 'my-servo' },
      { name: 'loud', type: 'greeter', config: { greeting: 'HEY', times: 3 }, servo: 'my-servo' },
    ]);
    await servo.close();
  });

  it('start() dispatches attach with the servo name, after every connector is set up; close() dispatches detach', async () => {
    const log: string[] = [];
    const watcher = defineConnector({
      type: 'watcher',
      metadata,
      config: z.object({}),
      setup(ctx) {
        ctx.on('attach', (p) => void log.push(`attach ${p.servo} seen by ${ctx.name}`));
        ctx.on('detach', (p) => void log.push(`detach ${p.servo} seen by ${ctx.name}`));
      },
    });
    const servo = await Servo.create({ name: 'svc', connectors: [{ definition: watcher }, { definition: recorder('late', log) }] });
    expect(log).toEqual(['setup late']); // building an assembly (servo validate, servo config) runs no lifecycle handler
    await servo.start();
    expect(log).toEqual(['setup late', 'attach svc seen by watcher', 'startup late']);
    await servo.close();
    expect(log.slice(3)).toEqual(['shutdown late', 'detach svc seen by watcher', 'close late']);
  });

  it('reports every configuration problem at once as ConfigErrors with the field path, and sets nothing up', async () => {
    const setup = vi.fn();
    const a = defineConnector({ type: 'alpha', metadata, config: z.strictObject({ url: z.url(), port: z.number() }), setup });
    const b = defineConnector({ type: 'beta', metadata, config: z.object({ retries: z.int().min(0) }), setup });

    const err = await Servo.create({
      name: 'test',
      configFile: '/etc/servo.yaml',
      connectors: [
        { definition: a, config: { url: 'not a url', port: 80, colour: 'red' } },
        { definition: b, name: 'beta-2', config: { retries: -1 } },
      ],
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConfigErrors);
    expect(err).toMatchObject({ code: 'SERVO_CONFIG_ERRORS' });
    const errors = (err as ConfigErrors).errors;
    expect(errors.map((e) => e.details.path).sort()).toEqual(['alpha', 'alpha.url', 'beta-2.retries']);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.details.file).toBe('/etc/servo.yaml');
    }
    expect(errors.find((e) => e.details.path === 'alpha')!.message).toContain('colour');
    expect((err as Error).message).toContain('beta-2.retries');
    expect(setup).not.toHaveBeenCalled();
  });

  it('rejects two instances with the same name', async () => {
    const def = recorder('twin', []);
    const err = await Servo.create({ name: 't', connectors: [{ definition: def }, { definition: def }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigErrors);
    expect((err as ConfigErrors).errors[0]!.message).toContain('two connectors are named "twin"');
  });

  it("gives a config schema function the assembly's event names, declared events included", async () => {
    let events: readonly string[] = [];
    const announcer = defineConnector({ type: 'announcer', metadata, events: [deploy], config: z.object({}), setup() {} });
    const reader = defineConnector({
      type: 'reader',
      metadata,
      config: (ctx) => {
        events = ctx.events;
        return z.object({ on: z.enum(ctx.events as [string, ...string[]]) });
      },
      setup() {},
    });
    const servo = await Servo.create({
      name: 't',
      connectors: [{ definition: announcer }, { definition: reader, config: { on: 'deploy' } }],
    });
    expect(events).toContain('deploy');
    expect(events).toContain('measure');
    await servo.close();
  });
});

describe('Servo events', () => {
  it('an event a connector declares is known and dispatchable by name, its parameters validated', async () => {
    const announcer = defineConnector({
      type: 'announcer',
      metadata,
      events: [deploy],
      config: z.object({}),
      setup(ctx) {
        ctx.on(deploy, (p) => ({ acknowledged: p.version.startsWith('v') }));
      },
    });
    const servo = await Servo.create({ name: 't', connectors: [{ definition: announcer }] });

    expect(servo.events.get('deploy')).toBe(deploy);
    expect(servo.event('deploy')).toBe(deploy);
    const result = await servo.dispatch('deploy', { version: 'v2' });
    expect(result).toMatchObject({ status: 'completed', results: [{ connector: 'announcer', value: { acknowledged: true } }] });
    await expect(servo.dispatch('deploy', { version: 2 } as never)).rejects.toBeInstanceOf(EventParameterError);
    await servo.close();
  });

  it('an unknown event name is an UnknownEventError listing the known events', async () => {
    const servo = await Servo.create({ name: 't', connectors: [] });
    // A promise-returning method: a rejection, never a synchronous throw.
    const pending = servo.dispatch('deploy', {});
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownEventError);
    expect((err as UnknownEventError).known).toContain('measure');
    expect((err as Error).message).toContain('unknown event "deploy"; known events: attach');
    expect(() => servo.event('deploy')).toThrow(UnknownEventError);
    await servo.close();
  });

  it('two connector types declaring different events of the same name clash', async () => {
    const other = defineEvent({ name: 'deploy', description: 'another', params: z.object({}), result: z.null() });
    const a = defineConnector({ type: 'a-type', metadata, events: [deploy], config: z.object({}), setup() {} });
    const b = defineConnector({ type: 'b-type', metadata, events: [other], config: z.object({}), setup() {} });

    const err = await Servo.create({ name: 't', connectors: [{ definition: a }, { definition: b }] }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'SERVO_CONFIG_INVALID' });
    expect((err as Error).message).toBe('connector type "b-type" declares event "deploy", which is already defined');
  });

  it('a connector type cannot redefine a standard event', async () => {
    const fake = defineEvent({ name: 'measure', description: 'mine', params: z.object({}), result: z.null() });
    const a = defineConnector({ type: 'a-type', metadata, events: [fake], config: z.object({}), setup() {} });
    await expect(Servo.create({ name: 't', connectors: [{ definition: a }] })).rejects.toThrow(/declares event "measure"/);
  });

  it('two instances of one type (one event definition) do not clash', async () => {
    const a = defineConnector({ type: 'a-type', metadata, events: [deploy], config: z.object({}), setup() {} });
    const servo = await Servo.create({
      name: 't',
      connectors: [
        { definition: a, name: 'first' },
        { definition: a, name: 'second' },
      ],
    });
    expect(servo.events.get('deploy')).toBe(deploy);
    await servo.close();
  });
});

describe('Servo checks', () => {
  /** A connector contributing `specs` through ctx.check. */
  function checker(specs: CheckSpec[]) {
    return defineConnector({
      type: 'checker',
      metadata,
      config: z.object({}),
      setup(ctx) {
        for (const s of specs) ctx.check(s);
      },
    });
  }
  const failing = (message: string, hint?: string) => () => {
    throw Object.assign(new Error(message), hint ? { hint } : {});
  };
  async function runCheck(specs: CheckSpec[], params: Record<string, unknown> = {}) {
    const servo = await Servo.create({ name: 't', connectors: [{ definition: checker(specs) }] });
    const result = await servo.dispatch('check', params);
    await servo.close();
    if (result.status !== 'completed') throw new Error('check was cancelled');
    expect(result.results).toHaveLength(1);
    expect(result.results[0]!.connector).toBe('checker');
    return result.results[0]!.value as Check[];
  }

  it('answer the check event with Check outcomes: message, hint and severity', async () => {
    const checks = await runCheck([
      { name: 'Database answers', run: () => 'answered in 3ms', tags: ['db'] },
      { name: 'Cache answers', severity: 'warning', run: failing('connection refused', 'start redis') },
    ]);

    expect(checks.map((c) => Check.parse(c))).toHaveLength(2);
    expect(checks[0]).toMatchObject({
      name: 'Database answers',
      id: 'database_answers',
      severity: 'common',
      tags: ['db'],
      success: true,
      message: 'answered in 3ms',
      hint: null,
    });
    expect(checks[1]).toMatchObject({ id: 'cache_answers', severity: 'warning', success: false, message: 'connection refused', hint: 'start redis' });
    expect(Date.parse(checks[1]!.run_at!)).toBeGreaterThan(0);
  });

  it('a connector without checks does not answer the check event', async () => {
    const servo = await Servo.create({ name: 't', connectors: [{ definition: recorder('plain', []) }] });
    expect(await servo.dispatch('check', {})).toMatchObject({ status: 'completed', results: [] });
    await servo.close();
  });

  it('run only the checks the matching filter selects (name, id, tags)', async () => {
    const specs: CheckSpec[] = [
      { name: 'alpha', tags: ['net'], run: () => 'a' },
      { name: 'beta', tags: ['disk'], run: () => 'b' },
      { name: 'Gamma ray', tags: ['net', 'disk'], run: () => 'g' },
    ];
    const names = async (matching: unknown) => (await runCheck(specs, { matching })).map((c) => c.name);

    expect(await names({ name: 'beta' })).toEqual(['beta']);
    expect(await names({ name: ['alpha', 'beta'] })).toEqual(['alpha', 'beta']);
    expect(await names({ id: 'gamma_ray' })).toEqual(['Gamma ray']);
    expect(await names({ tags: ['net'] })).toEqual(['alpha', 'Gamma ray']);
    expect(await names({ tags: ['nothing'] })).toEqual([]);
  });

  it('halt_on: stop after a failure of that severity or worse (default critical)', async () => {
    const specs: CheckSpec[] = [
      { name: 'w', severity: 'warning', run: failing('w failed') },
      { name: 'c', severity: 'common', run: failing('c failed') },
      { name: 'k', severity: 'critical', run: failing('k failed') },
      { name: 'last', run: () => 'ran' },
    ];
    const ran = async (halt_on?: string) => (await runCheck(specs, halt_on ? { halt_on } : {})).map((c) => c.name);

    expect(await ran()).toEqual(['w', 'c', 'k']);
    expect(await ran('critical')).toEqual(['w', 'c', 'k']);
    expect(await ran('common')).toEqual(['w', 'c']);
    expect(await ran('warning')).toEqual(['w']);
    expect(await ran('critical')).not.toContain('last');
  });

  it('all checks run when none fails', async () => {
    const run = vi.fn(() => undefined);
    const checks = await runCheck([
      { name: 'one', severity: 'critical', run },
      { name: 'two', severity: 'critical', run },
    ]);
    expect(run).toHaveBeenCalledTimes(2);
    expect(checks.map((c) => [c.success, c.message])).toEqual([
      [true, null],
      [true, null],
    ]);
  });
});

describe('Servo lifecycle', () => {
  it('start() starts the exchange and dispatches startup; close() dispatches shutdown, closes connectors in reverse order, then stops the exchange', async () => {
    const log: string[] = [];
    const exchange = {
      start: vi.fn(() => void log.push('exchange start')),
      stop: vi.fn(async () => void log.push('exchange stop')),
    } as unknown as Exchange;
    const servo = await Servo.create({
      name: 't',
      exchange,
      connectors: [{ definition: recorder('first', log) }, { definition: recorder('second', log) }, { definition: recorder('third', log) }],
    });
    expect(log).toEqual(['setup first', 'setup second', 'setup third']);

    log.length = 0;
    await servo.start();
    expect(log).toEqual(['exchange start', 'startup first', 'startup second', 'startup third']);

    log.length = 0;
    await servo.close();
    expect(log).toEqual(['shutdown first', 'shutdown second', 'shutdown third', 'close third', 'close second', 'close first', 'exchange stop']);
  });

  it('close twice is safe: shutdown and close hooks run once, and a concurrent close waits for the first', async () => {
    const log: string[] = [];
    let releaseClose!: () => void;
    const slow = defineConnector({
      type: 'slow',
      metadata,
      config: z.object({}),
      setup: () => ({
        close: () =>
          new Promise<void>((r) => {
            log.push('slow closing');
            releaseClose = () => {
              log.push('slow closed');
              r();
            };
          }),
      }),
    });
    const servo = await Servo.create({ name: 't', connectors: [{ definition: recorder('rec', log) }, { definition: slow }] });
    await servo.start();

    const first = servo.close();
    let secondDone = false;
    const second = servo.close().then(() => (secondDone = true));
    await vi.waitFor(() => expect(log).toContain('slow closing'));
    expect(secondDone).toBe(false);
    releaseClose();
    await Promise.all([first, second]);
    await servo.close();

    expect(log.filter((l) => l === 'shutdown rec')).toHaveLength(1);
    expect(log.filter((l) => l === 'close rec')).toHaveLength(1);
    expect(log.indexOf('slow closed')).toBeLessThan(log.indexOf('close rec'));
  });

  it('close() without start() closes the connectors but dispatches no shutdown', async () => {
    const log: string[] = [];
    const servo = await Servo.create({ name: 't', connectors: [{ definition: recorder('rec', log) }] });
    await servo.close();
    expect(log).toEqual(['setup rec', 'close rec']);
  });

  it('start() twice, or after close(), is an error', async () => {
    const servo = await Servo.create({ name: 't', connectors: [] });
    await servo.start();
    await expect(servo.start()).rejects.toMatchObject({ code: 'SERVO_STATE' });
    await servo.close();
    await expect(servo.start()).rejects.toThrow(/closed/);
  });

  it('a failing close hook does not stop the other connectors from closing and rejects close(); a failing shutdown handler is logged', async () => {
    const log: string[] = [];
    const logger = recordingLogger();
    const broken = defineConnector({
      type: 'broken',
      metadata,
      config: z.object({}),
      setup(ctx) {
        ctx.on('shutdown', () => {
          throw new Error('shutdown exploded');
        });
        return {
          close() {
            throw new Error('close exploded');
          },
        };
      },
    });
    const servo = await Servo.create({ name: 't', logger, connectors: [{ definition: recorder('rec', log) }, { definition: broken }] });
    await servo.start();
    await expect(servo.close()).rejects.toThrow('close exploded');
    await expect(servo.close()).rejects.toThrow('close exploded');

    expect(log).toContain('close rec');
    expect(logger.errors.map((e) => e.msg)).toEqual(['shutdown handler failed']);
  });

  it('when a setup fails, the connectors already set up are closed (reverse order) and the error is raised', async () => {
    const log: string[] = [];
    const failing = defineConnector({
      type: 'failing',
      metadata,
      config: z.object({}),
      setup() {
        throw new Error('cannot open database');
      },
    });
    const never = recorder('never', log);

    await expect(
      Servo.create({
        name: 't',
        connectors: [{ definition: recorder('one', log) }, { definition: recorder('two', log) }, { definition: failing }, { definition: never }],
      }),
    ).rejects.toThrow('cannot open database');
    expect(log).toEqual(['setup one', 'setup two', 'close two', 'close one']);
  });
});
