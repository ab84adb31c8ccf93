import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Servo } from '../../src/assembly/servo.js';
import { defineConnector, type ConnectorContext } from '../../src/connector/connector.js';
import { HandlerRegistry } from '../../src/events/handlers.js';
import { ping } from './helpers.js';

const metadata = { version: '1.0.0', description: 'test', maturity: 'experimental' } as const;

/** One connector type; every instance answers `ping` with its name and remembers its context. */
function echoType() {
  const contexts = new Map<string, ConnectorContext<{ prefix: string }>>();
  const definition = defineConnector({
    type: 'echo',
    metadata,
    events: [ping],
    config: z.object({ prefix: z.string().default('') }),
    setup(ctx) {
      contexts.set(ctx.name, ctx);
      ctx.on(ping, () => `${ctx.config.prefix}${ctx.name}`);
    },
  });
  return { definition, contexts };
}

describe('connector instances', () => {
  it('two instances of one type each answer with their own handler and config', async () => {
    const { definition } = echoType();
    const servo = await Servo.create({
      name: 'test',
      connectors: [
        { definition, name: 'one', config: { prefix: '1:' } },
        { definition, name: 'two', config: { prefix: '2:' } },
      ],
    });

    const result = await servo.dispatch('ping', {});

    expect(result).toMatchObject({
      status: 'completed',
      results: [
        { connector: 'one', value: '1:one' },
        { connector: 'two', value: '2:two' },
      ],
    });
    await servo.close();
  });

  it('a handler added at run time by one instance is not seen by the other', async () => {
    const { definition, contexts } = echoType();
    const servo = await Servo.create({
      name: 'test',
      connectors: [
        { definition, name: 'one' },
        { definition, name: 'two' },
      ],
    });
    const one = contexts.get('one')!;
    const seenBy: string[] = [];
    one.before(ping, () => void seenBy.push('one'));
    one.on('ping', () => 'extra from one');

    const result = await servo.dispatch('ping', {});

    expect(seenBy).toEqual(['one']);
    expect(result.status === 'completed' && result.results.map((r) => [r.connector, r.value])).toEqual([
      ['one', 'one'],
      ['one', 'extra from one'],
      ['two', 'two'],
    ]);
    const [i1, i2] = servo.connectors;
    expect(i1!.handlers).not.toBe(i2!.handlers);
    expect(i1!.handlers.get('ping', 'on')).toHaveLength(2);
    expect(i2!.handlers.get('ping', 'on')).toHaveLength(1);
    expect(i2!.handlers.has('ping', 'before')).toBe(false);
    await servo.close();
  });

  it('handlers do not pile up when the assembly is created again (a restart)', async () => {
    const { definition } = echoType();
    for (let round = 0; round < 3; round++) {
      const servo = await Servo.create({
        name: 'test',
        connectors: [
          { definition, name: 'one' },
          { definition, name: 'two' },
        ],
      });
      const result = await servo.dispatch('ping', {});
      expect(result.status === 'completed' && result.results).toHaveLength(2);
      await servo.close();
    }
  });
});

describe('HandlerRegistry', () => {
  it('lists events with handlers and their prepositions, in registration order', () => {
    const r = new HandlerRegistry();
    const h1 = () => 'a';
    const h2 = () => 'b';
    r.on('measure', h1);
    r.on('measure', h2);
    r.after('measure', () => {});
    const remove = r.before('adjust', () => {});

    expect(r.get('measure', 'on')).toEqual([h1, h2]);
    expect(r.entries()).toEqual([
      { event: 'measure', prepositions: ['on', 'after'] },
      { event: 'adjust', prepositions: ['before'] },
    ]);
    remove();
    expect(r.has('adjust', 'before')).toBe(false);
    expect(r.get('nothing', 'on')).toEqual([]);
  });
});
