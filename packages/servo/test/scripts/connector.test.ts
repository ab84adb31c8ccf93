import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConnectorContext, ServoHandle } from '../../src/connector/connector.js';
import scripts, { isScriptError, isScriptOutputError, type ScriptsConfig } from '../../src/connectors/scripts/index.js';
import { dispatch, type Participant } from '../../src/events/dispatch.js';
import { defineEvent, type EventDefinition } from '../../src/events/event.js';
import { HandlerRegistry } from '../../src/events/handlers.js';
import { silentLogger } from '../../src/logging.js';
import { isAlive, read, script, tempDir, waitFor } from './helpers.js';

// Small stand-ins for the standard events, so these tests do not depend on model/.
const measure = defineEvent({
  name: 'measure',
  description: 'Measure metrics',
  params: z.object({ metrics: z.array(z.string()).default([]) }),
  result: z.object({
    readings: z.array(z.object({ metric: z.string(), time: z.string(), value: z.number() })),
    annotations: z.record(z.string(), z.string()).default({}),
  }),
});
const adjust = defineEvent({
  name: 'adjust',
  description: 'Adjust settings',
  params: z.object({ adjustments: z.array(z.object({ setting_name: z.string(), value: z.number() })) }),
  result: z.object({ components: z.array(z.unknown()) }),
});
const EVENTS: EventDefinition[] = [measure, adjust];

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

function schema(events: readonly string[] = EVENTS.map((e) => e.name)): z.ZodType<ScriptsConfig> {
  const config = scripts.config;
  return typeof config === 'function' ? config({ events, configDir: dir }) : config;
}

/** Runs the connector's setup against a fake context; returns it as a dispatch participant. */
async function setUp(config: Record<string, unknown>, name = 'scripts'): Promise<Participant> {
  const handlers = new HandlerRegistry();
  const servo = { name: 'test', events: new Map(EVENTS.map((e) => [e.name, e])), logger: silentLogger } as unknown as ServoHandle;
  const ctx: ConnectorContext<ScriptsConfig> = {
    name,
    type: 'scripts',
    config: schema().parse({ cwd: dir, ...config }),
    servo,
    logger: silentLogger,
    before: (e, h) => handlers.before(e, h),
    on: (e, h) => handlers.on(e, h),
    after: (e, h) => handlers.after(e, h),
    check: () => {},
  };
  await scripts.setup(ctx);
  return { name, handlers };
}

const READING = '{"readings":[{"metric":"throughput","time":"2024-01-01T00:00:00Z","value":42}]}';

describe('scripts connector: on', () => {
  it('returns the validated JSON a measure script prints', async () => {
    await script(dir, 'measure.sh', `echo '${READING}'`);
    const p = await setUp({ on: { measure: ['./measure.sh'] } });
    const r = await dispatch([p], measure, { metrics: ['throughput'] });
    expect(r.status).toBe('completed');
    if (r.status !== 'completed') return;
    expect(r.results).toEqual([
      {
        connector: 'scripts',
        // The schema's default filled in `annotations`: the output went through the result schema.
        value: { readings: [{ metric: 'throughput', time: '2024-01-01T00:00:00Z', value: 42 }], annotations: {} },
      },
    ]);
  });

  it('passes the parameters as JSON on stdin and the SERVO_* variables in the environment', async () => {
    await script(dir, 'measure.sh', 'cat > stdin.json; env | grep ^SERVO_ | sort > env.txt');
    const p = await setUp({ on: { measure: './measure.sh' } }, 'my_scripts');
    await dispatch([p], measure, { metrics: ['cpu', 'mem'] });
    expect(JSON.parse(await read(dir, 'stdin.json'))).toEqual({ metrics: ['cpu', 'mem'] });
    expect((await read(dir, 'env.txt')).trim().split('\n')).toEqual(['SERVO_CONNECTOR=my_scripts', 'SERVO_EVENT=measure', 'SERVO_PREPOSITION=on']);
  });

  it('empty stdout means no result', async () => {
    const p = await setUp({ on: { measure: ['true'] } });
    const r = await dispatch([p], measure, {});
    expect(r.status === 'completed' && r.results).toEqual([]);
  });

  it('runs several commands in order; the last output is the result', async () => {
    await script(dir, 'first.sh', 'echo first >> order.txt');
    await script(dir, 'second.sh', `echo second >> order.txt; echo '${READING}'`);
    await script(dir, 'third.sh', 'echo third >> order.txt');
    const p = await setUp({ on: { measure: ['./first.sh', './second.sh', './third.sh'] } });
    const r = await dispatch([p], measure, {});
    expect(await read(dir, 'order.txt')).toBe('first\nsecond\nthird\n');
    expect(r.status === 'completed' && r.results.map((x) => x.value)).toEqual([
      { readings: [{ metric: 'throughput', time: '2024-01-01T00:00:00Z', value: 42 }], annotations: {} },
    ]);
  });

  it('invalid JSON on stdout fails with an error naming the command', async () => {
    const p = await setUp({ on: { measure: ['echo "not json"'] } });
    const err = await dispatch([p], measure, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVO_HANDLER_FAILED', connector: 'scripts' });
    const cause = (err as Error).cause;
    expect(isScriptOutputError(cause)).toBe(true);
    expect((cause as Error).message).toMatch(/^script "echo \\"not json\\"" \(on:measure\) printed an invalid result: stdout is not valid JSON/);
    expect((cause as Error).message).toContain('it begins "not json"');
  });

  it('output that fails the result schema names the offending fields', async () => {
    await script(dir, 'measure.sh', `echo '{"readings":[{"metric":"cpu","time":"t","value":"high"}]}'`);
    const p = await setUp({ on: { measure: ['./measure.sh'] } });
    const err = await dispatch([p], measure, {}).catch((e: unknown) => e);
    const cause = (err as Error).cause as Error;
    expect(isScriptOutputError(cause)).toBe(true);
    expect(cause.message).toMatch(/script "\.\/measure\.sh" \(on:measure\) printed an invalid result: readings\.0\.value: .*number/);
  });

  it('a non-zero exit fails with the command, the status and the tail of stderr', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `echo "problem ${i}" >&2`).join('\n');
    await script(dir, 'measure.sh', `${lines}\nexit 7`);
    const p = await setUp({ on: { measure: ['./measure.sh'] } });
    const err = await dispatch([p], measure, {}).catch((e: unknown) => e);
    const cause = (err as Error).cause as Error & { exitCode: number; stderr: string };
    expect(isScriptError(cause)).toBe(true);
    expect(cause).toMatchObject({ code: 'SERVO_SCRIPT_FAILED', exitCode: 7, command: './measure.sh' });
    expect(cause.message).toMatch(/^script "\.\/measure\.sh" \(on:measure\) exited with status 7; stderr:\n/);
    expect(cause.message).toContain('problem 39');
    // Only the tail: the first lines are dropped.
    expect(cause.message).not.toContain('problem 0\n');
    expect(cause.stderr.split('\n').length).toBeLessThanOrEqual(21);
  });

  it('a timeout kills the script and names the limit', async () => {
    await script(dir, 'measure.sh', 'sleep 30 & echo $! > child.pid; wait');
    const p = await setUp({ timeout: '300ms', on: { measure: ['./measure.sh'] } });
    const started = Date.now();
    const err = await dispatch([p], measure, {}).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    const cause = (err as Error).cause as Error & { timedOut: boolean };
    expect(cause).toMatchObject({ code: 'SERVO_SCRIPT_FAILED', timedOut: true });
    expect(cause.message).toMatch(/^script "\.\/measure\.sh" \(on:measure\) timed out after 300ms/);
    const pid = Number(await read(dir, 'child.pid'));
    expect(await waitFor(async () => !(await isAlive(pid)), 5000)).toBe(true);
  });

  it('aborting the dispatch kills the script', async () => {
    await script(dir, 'measure.sh', 'echo $$ > sh.pid; sleep 30');
    const p = await setUp({ on: { measure: ['./measure.sh'] } });
    const ac = new AbortController();
    const running = dispatch([p], measure, {}, { signal: ac.signal }).catch((e: unknown) => e);
    expect(await waitFor(async () => (await read(dir, 'sh.pid').catch(() => '')).trim() !== '', 5000)).toBe(true);
    ac.abort();
    const err = await running;
    expect(((err as Error).cause as Error).message).toMatch(/was aborted/);
    expect(await isAlive(Number(await read(dir, 'sh.pid')))).toBe(false);
  });
});

describe('scripts connector: before', () => {
  it('exit 100 cancels the event with the first stdout line as the reason; no on handler runs', async () => {
    await script(dir, 'check-window.sh', 'echo "outside the change window"; echo "second line"; exit 100');
    await script(dir, 'adjust.sh', 'touch adjusted');
    const p = await setUp({ before: { adjust: ['./check-window.sh'] }, on: { adjust: ['./adjust.sh'] } });
    const r = await dispatch([p], adjust, { adjustments: [] });
    expect(r).toMatchObject({ status: 'cancelled', cancelledBy: 'scripts', reason: 'outside the change window' });
    await expect(read(dir, 'adjusted')).rejects.toThrow();
  });

  it('exit 100 with nothing on stdout takes the reason from stderr, else names the script', async () => {
    const p1 = await setUp({ before: { adjust: ['echo "from stderr" >&2; exit 100'] } });
    expect(await dispatch([p1], adjust, { adjustments: [] })).toMatchObject({ status: 'cancelled', reason: 'from stderr' });
    const p2 = await setUp({ before: { adjust: ['exit 100'] } });
    expect(await dispatch([p2], adjust, { adjustments: [] })).toMatchObject({
      status: 'cancelled',
      reason: 'cancelled by script "exit 100"',
    });
  });

  it('exit 0 proceeds, with the parameters on stdin', async () => {
    await script(dir, 'check.sh', 'cat > before-stdin.json; echo "$SERVO_PREPOSITION" > prep.txt');
    const p = await setUp({ before: { adjust: ['./check.sh'] }, on: { adjust: ['echo \'{"components":[]}\''] } });
    const r = await dispatch([p], adjust, { adjustments: [{ setting_name: 'cpu', value: 2 }] });
    expect(r.status).toBe('completed');
    expect(JSON.parse(await read(dir, 'before-stdin.json'))).toEqual({ adjustments: [{ setting_name: 'cpu', value: 2 }] });
    expect((await read(dir, 'prep.txt')).trim()).toBe('before');
  });

  it('another non-zero exit is a failure, not a cancellation', async () => {
    const p = await setUp({ before: { adjust: ['echo broken >&2; exit 1'] } });
    const err = await dispatch([p], adjust, { adjustments: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVO_HANDLER_FAILED', preposition: 'before' });
    expect(((err as Error).cause as Error).message).toBe('script "echo broken >&2; exit 1" (before:adjust) exited with status 1; stderr:\nbroken');
  });

  it('a cancelling script stops the later ones', async () => {
    const p = await setUp({ before: { adjust: ['exit 100', 'touch second-ran'] } });
    expect((await dispatch([p], adjust, { adjustments: [] })).status).toBe('cancelled');
    await expect(read(dir, 'second-ran')).rejects.toThrow();
  });
});

describe('scripts connector: after', () => {
  it('receives the parameters and the results on stdin', async () => {
    await script(dir, 'after.sh', 'cat > after-stdin.json; echo "$SERVO_PREPOSITION" > prep.txt');
    const p = await setUp({ on: { measure: [`echo '${READING}'`] }, after: { measure: ['./after.sh'] } });
    const r = await dispatch([p], measure, { metrics: ['throughput'] });
    expect(r.status === 'completed' && r.afterErrors).toEqual([]);
    expect(JSON.parse(await read(dir, 'after-stdin.json'))).toEqual({
      params: { metrics: ['throughput'] },
      results: [
        {
          connector: 'scripts',
          value: { readings: [{ metric: 'throughput', time: '2024-01-01T00:00:00Z', value: 42 }], annotations: {} },
        },
      ],
    });
    expect((await read(dir, 'prep.txt')).trim()).toBe('after');
  });

  it('a failing after script is reported in afterErrors', async () => {
    const p = await setUp({ after: { measure: ['exit 4'] } });
    const r = await dispatch([p], measure, {});
    expect(r.status === 'completed' && r.afterErrors.map((e) => (e.cause as Error).message)).toEqual(['script "exit 4" (after:measure) exited with status 4']);
  });
});

describe('scripts connector: config', () => {
  it('applies defaults', () => {
    expect(schema().parse({})).toEqual({ timeout: '30s', shell: '/bin/sh', before: {}, on: {}, after: {} });
  });

  it('rejects unknown events, naming the known ones', () => {
    const r = schema().safeParse({ on: { mesure: ['x'] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['on'], message: 'unknown event "mesure" under "on"; known events: measure, adjust' });
  });

  it('rejects unknown fields, bad timeouts and empty commands', () => {
    const issues = (v: unknown) =>
      schema()
        .safeParse(v)
        .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ timout: '1s' })).toEqual([': unknown field "timout"; known fields: timeout, shell, cwd, before, on, after']);
    expect(issues({ timeout: 'soon' })?.[0]).toMatch(/^timeout: expected a positive duration/);
    expect(issues({ timeout: 0 })?.[0]).toMatch(/^timeout: expected a positive duration/);
    expect(issues({ on: { measure: [] } })).toEqual(['on.measure: list at least one command']);
    expect(issues({ on: { measure: 3 } })).toEqual(['on.measure: expected a command or a list of commands']);
    expect(issues({ on: { measure: [' '] } })?.[0]).toMatch(/^on\.measure/);
  });

  it('accepts durations and seconds for the timeout', async () => {
    for (const timeout of ['1m30s', '500ms', 2, '2']) expect(schema().safeParse({ timeout }).success).toBe(true);
    // Seconds: a number timeout of 0.3 is 300ms.
    await script(dir, 'slow.sh', 'sleep 30');
    const p = await setUp({ timeout: 0.3, on: { measure: ['./slow.sh'] } });
    const err = await dispatch([p], measure, {}).catch((e: unknown) => e);
    expect(((err as Error).cause as Error).message).toMatch(/timed out after 300ms/);
  });

  it('generate() produces a valid configuration, with and without defaults', () => {
    for (const defaults of [false, true]) {
      const g = scripts.generate!({ defaults });
      const events = ['adjust', 'describe', 'measure'];
      expect(schema(events).safeParse(g.value).success).toBe(true);
      expect(g.comments?.['']).toMatch(/stdin/);
    }
    expect(scripts.generate!({ defaults: true }).value).toMatchObject({ timeout: '30s', shell: '/bin/sh' });
  });

  it('declares its identity', () => {
    expect(scripts.type).toBe('scripts');
    expect(scripts.metadata).toMatchObject({ version: '0.1.0', maturity: 'stable', license: 'Apache-2.0' });
  });
});
