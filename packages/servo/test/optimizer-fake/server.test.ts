/**
 * The fake optimizer on 127.0.0.1, driven with raw HTTP requests: plan
 * sequencing, expectations, injected failures, cancel on progress, the
 * record file and the summary.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeEvent, type FakeOptimizer, type FakeOptimizerOptions, startFakeOptimizer } from '../../src/optimizer/fake/index.js';
import { driver } from './driver.js';

const running: FakeOptimizer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

async function start(plan: FakeOptimizerOptions['plan'], options: Partial<FakeOptimizerOptions> = {}) {
  const events: FakeEvent[] = [];
  const fake = await startFakeOptimizer({ plan, token: 'test-token', onEvent: (e) => events.push(e), ...options });
  running.push(fake);
  return { fake, events, ...driver(fake) };
}

describe('fake optimizer: the endpoint', () => {
  it('listens on 127.0.0.1 at /accounts/ORG/APP/servo and answers HELLO ok', async () => {
    const { fake, post } = await start(['describe'], { id: 'acme.com/shop' });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.endpoint).toBe(`${fake.url}/accounts/acme.com/applications/shop/servo`);
    expect(fake.optimizerUrl).toBe(`${fake.url}/accounts/acme.com/applications/shop/`);
    const hello = await post('HELLO', { agent: 'servo-core v0.1.0', telemetry: {} });
    expect(hello).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(fake.result().hello).toEqual({ agent: 'servo-core v0.1.0', servoUid: 'servo-1' });
    const other = await fetch(`${fake.url}/accounts/acme.com/applications/other/servo`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
  });

  it('answers 401 without the bearer token, or with another one, and does not advance the plan', async () => {
    const { fake, post, next } = await start(['describe']);
    expect((await post('WHATS_NEXT', null, { token: null })).status).toBe(401);
    const wrong = await post('WHATS_NEXT', null, { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await next()).cmd).toBe('DESCRIBE');
    // Nothing about the token is recorded.
    expect(JSON.stringify(fake.records)).not.toContain('test-token');
    expect(fake.records.map((r) => r.http)).toEqual([401, 401, 200]);
  });

  it('answers 400 invalid to a body that is not JSON or not an envelope', async () => {
    const { fake, post } = await start(['describe']);
    expect(await post('', null, { raw: 'not json' })).toMatchObject({ status: 400, body: { status: 'invalid' } });
    expect(await post('', null, { raw: '{"event": "HI"}' })).toMatchObject({ status: 400, body: { status: 'invalid' } });
    expect(fake.records[0]).toMatchObject({ raw: 'not json', http: 400 });
    expect(fake.result().problems).toHaveLength(2);
  });
});

describe('fake optimizer: the plan', () => {
  it('sends the steps in order with their params, checks each reply, then answers SLEEP until GOODBYE', async () => {
    const plan = `
idle_sleep: 7s
steps:
  - describe
  - measure: {metrics: [rps, p99], control: {duration: 2s, warmup: 500ms}}
    expect: ok
  - adjust: {settings: {web.replicas: 5, web.cpu: 1.5, db: {tier: gold}}, control: {settlement: 1m}}
    expect: {status: cancelled, reason: more than 3}
  - sleep: {duration: 3s, reason: waiting}
`;
    const { fake, next, reply, post } = await start(plan);
    const d = await next();
    expect(d).toMatchObject({ cmd: 'DESCRIBE', param: {} });
    expect((await reply('DESCRIPTION', d.cmd_uid)).body).toEqual({ status: 'ok' });
    const m = await next();
    expect(m).toMatchObject({ cmd: 'MEASURE', param: { metrics: ['rps', 'p99'], control: { duration: 2, warmup: 0.5 } } });
    expect(m.cmd_uid).not.toBe(d.cmd_uid);
    await reply('MEASUREMENT', m.cmd_uid);
    const a = await next();
    expect(a.param).toEqual({
      state: {
        application: { components: { web: { settings: { replicas: { value: 5 }, cpu: { value: 1.5 } } }, db: { settings: { tier: { value: 'gold' } } } } },
      },
      control: { settlement: 60 },
    });
    await reply('ADJUSTMENT', a.cmd_uid, 'cancelled', {
      reason: 'more than 3 replicas',
      message: 'cancelled by webhooks (webhook "gate"): more than 3 replicas',
    });
    expect(await next()).toMatchObject({ cmd: 'SLEEP', param: { duration: 3, data: { reason: 'waiting' } } });
    expect(fake.result().planEnded).toBe(true);
    expect(await fake.planEnded).toMatchObject({ ok: true });
    // After the plan: SLEEP with the idle duration, as often as asked.
    for (let i = 0; i < 2; i++) expect(await next()).toMatchObject({ cmd: 'SLEEP', param: { duration: 7 } });
    await post('GOODBYE', { reason: 'SIGTERM' });
    const result = await fake.done;
    expect(result).toMatchObject({ ok: true, goodbye: { reason: 'SIGTERM' } });
    expect(result.steps.map((s) => [s.label, s.command, s.status ?? '-', s.ok])).toEqual([
      ['1', 'DESCRIBE', 'ok', true],
      ['2', 'MEASURE', 'ok', true],
      ['3', 'ADJUST', 'cancelled', true],
      ['4', 'SLEEP', '-', true],
    ]);
  });

  it('repeats a step (repeat: N) and the whole list (top-level repeat), labelling each run', async () => {
    const { fake, next, reply } = await start({ repeat: 2, steps: [{ measure: null, repeat: 2 }, 'describe'] });
    expect(fake.plan.steps.map((s) => s.label)).toEqual(['r1.1.1', 'r1.1.2', 'r1.2', 'r2.1.1', 'r2.1.2', 'r2.2']);
    const cmds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await next();
      cmds.push(c.cmd);
      await reply(c.cmd === 'MEASURE' ? 'MEASUREMENT' : 'DESCRIPTION', c.cmd_uid);
    }
    expect(cmds).toEqual(['MEASURE', 'MEASURE', 'DESCRIBE', 'MEASURE', 'MEASURE', 'DESCRIBE']);
    expect((await next()).cmd).toBe('SLEEP');
    expect(fake.result().ok).toBe(true);
  });

  it('fails a step whose reply does not meet its expectation (status, reason or message substring)', async () => {
    const plan = [
      { describe: null, expect: 'ok' },
      { measure: null, expect: { status: 'failed', message: 'disk' } },
      { adjust: { settings: { 'web.replicas': 2 } }, expect: { status: 'rejected', reason: 'quota' } },
    ];
    const { fake, next, reply } = await start(plan);
    await reply('DESCRIPTION', (await next()).cmd_uid, 'failed');
    await reply('MEASUREMENT', (await next()).cmd_uid, 'failed', { message: 'connector "prom" failed: disk full' });
    await reply('ADJUSTMENT', (await next()).cmd_uid, 'rejected', { reason: 'over budget' });
    const result = await fake.planEnded;
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => s.ok)).toEqual([false, true, false]);
    expect(result.steps[0]!.problems).toEqual(['expected status ok; got status failed, reason null']);
    expect(result.steps[2]!.problems[0]).toBe('expected status rejected and a reason containing "quota"; got status rejected, reason "over budget"');
  });

  it('checks the protocol: cmd_uid echoed, the payload of an ok reply, the reply event, a reply with nothing running', async () => {
    const { fake, next, reply, post } = await start(['describe', 'measure']);
    const d = await next();
    expect((await reply('MEASUREMENT', d.cmd_uid)).body).toMatchObject({ status: 'unexpected-event' });
    expect((await reply('DESCRIPTION', 'wrong-uid')).body).toEqual({ status: 'invalid', message: 'unexpected cmd_uid' });
    const m = await next();
    expect((await post('MEASUREMENT', { status: 'ok', message: null, reason: 'success', cmd_uid: m.cmd_uid })).body).toEqual({ status: 'ok' });
    expect((await reply('MEASUREMENT', m.cmd_uid)).body).toMatchObject({ status: 'unexpected-event' });
    const result = fake.result();
    expect(result.steps[0]!.problems).toEqual([
      'the servo replied MEASUREMENT to DESCRIBE (expected DESCRIPTION)',
      `cmd_uid "wrong-uid" does not echo the command's "1-${d.cmd_uid.split('-')[1]}"`,
    ]);
    expect(result.steps[1]!.problems).toEqual(['an ok MEASUREMENT without "metrics"']);
    expect(result.problems).toEqual(['a MEASUREMENT reply while no command runs']);
    expect(result.ok).toBe(false);
  });

  it('notes a WHATS_NEXT that skips the reply, and GOODBYE before the end of the plan', async () => {
    const { fake, next, post } = await start(['describe', 'measure', 'describe']);
    await next();
    await next();
    await post('GOODBYE', { reason: 'SIGINT' });
    const result = await fake.done;
    expect(result.steps.map((s) => s.state)).toEqual(['replied', 'not run', 'not run']);
    expect(result.steps[0]!.problems[0]).toMatch(/^the servo asked WHATS_NEXT without replying to DESCRIBE/);
    expect(result.problems).toEqual(['the servo said GOODBYE with 2 step(s) of the plan not done']);
    expect(result.ok).toBe(false);
  });
});

describe('fake optimizer: injected failures and cancel', () => {
  it('answers the WHATS_NEXT fetching a step with the injected status `times` times, then the command', async () => {
    const { fake, events, post, next } = await start([
      { describe: null, fail: { status: 503, times: 2 } },
      { measure: null, fail: { status: 429, retry_after: '2s' } },
    ]);
    const first = await post('WHATS_NEXT');
    expect(first.status).toBe(503);
    expect(first.body.error).toMatch(/503 injected .*\(1 of 2\)/);
    expect((await post('WHATS_NEXT')).status).toBe(503);
    const d = await next();
    expect(d.cmd).toBe('DESCRIBE');
    await driver(fake).reply('DESCRIPTION', d.cmd_uid);
    const limited = await post('WHATS_NEXT');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await next()).cmd).toBe('MEASURE');
    expect(fake.result().steps.map((s) => s.injected)).toEqual([2, 1]);
    expect(events.filter((e) => e.type === 'injected').map((e) => (e as { http: number }).http)).toEqual([503, 503, 429]);
  });

  it('injects 401 on WHATS_NEXT, on the reply (on: reply) and on HELLO', async () => {
    const plan = {
      hello: { fail: { status: 503, times: 1 } },
      steps: [
        { describe: null, fail: { status: 401 } },
        { measure: null, fail: { status: 500, on: 'reply' } },
      ],
    };
    const { fake, post, next, reply } = await start(plan);
    expect((await post('HELLO', { agent: 'a', telemetry: {} })).status).toBe(503);
    expect((await post('HELLO', { agent: 'a', telemetry: {} })).status).toBe(200);
    expect((await post('WHATS_NEXT')).status).toBe(401);
    await reply('DESCRIPTION', (await next()).cmd_uid);
    const m = await next();
    expect((await reply('MEASUREMENT', m.cmd_uid)).status).toBe(500);
    expect(fake.result().steps[1]!.state).toBe('sent');
    expect((await reply('MEASUREMENT', m.cmd_uid)).status).toBe(200);
    expect((await fake.planEnded).ok).toBe(true);
  });

  it('answers progress ok, then cancel at the `after`-th report with the reason; the servo replies cancelled', async () => {
    const { fake, events, post, next, reply } = await start([
      { measure: { control: { duration: '1m' } }, cancel: { after: 2, reason: 'enough data' }, expect: 'cancelled' },
    ]);
    const m = await next();
    const progress = (p: number, uid = m.cmd_uid) => post('MEASUREMENT', { progress: p, runtime: p / 10, cmd_uid: uid, message: 'measuring' });
    expect((await progress(10)).body).toEqual({ status: 'ok' });
    expect((await progress(20, 'other')).body).toEqual({ status: 'invalid', message: 'unexpected cmd_uid' });
    expect((await progress(30)).body).toEqual({ status: 'cancel', reason: 'enough data' });
    await reply('MEASUREMENT', m.cmd_uid, 'cancelled', { reason: 'enough data' });
    const result = await fake.planEnded;
    expect(result.steps[0]).toMatchObject({ progress: 2, cancelSent: true, status: 'cancelled' });
    expect(events.filter((e) => e.type === 'progress').map((e) => (e as { answer: string }).answer)).toEqual(['ok', 'cancel']);
  });

  it('answers progress with nothing running unexpected-event', async () => {
    const { post } = await start(['describe']);
    expect((await post('ADJUSTMENT', { progress: 50, runtime: 1 })).body).toMatchObject({ status: 'unexpected-event' });
  });

  it('delays the answer carrying a step (delay)', async () => {
    const { next } = await start([{ describe: null, delay: '300ms' }]);
    const t = performance.now();
    await next();
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
  });
});

describe('fake optimizer: record and summary', () => {
  it('appends every message received, with its answer, to the record file (JSONL), never the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-record-'));
    try {
      const file = join(dir, 'record.jsonl');
      const { fake, post, next, reply } = await start([{ describe: null, fail: 503 }], { record: file });
      await post('HELLO', { agent: 'a', telemetry: {} });
      await post('WHATS_NEXT');
      await reply('DESCRIPTION', (await next()).cmd_uid);
      await post('GOODBYE', { reason: 'SIGTERM' });
      await fake.close();
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const records = lines.map((l) => JSON.parse(l));
      expect(records.map((r) => [r.seq, r.event, r.http])).toEqual([
        [1, 'HELLO', 200],
        [2, 'WHATS_NEXT', 503],
        [3, 'WHATS_NEXT', 200],
        [4, 'DESCRIPTION', 200],
        [5, 'GOODBYE', 200],
      ]);
      expect(records[3].message).toMatchObject({ event: 'DESCRIPTION', servo_uid: 'servo-1', param: { status: 'ok' } });
      expect(records[2].answer).toMatchObject({ cmd: 'DESCRIBE' });
      expect(readFileSync(file, 'utf8')).not.toContain('test-token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('summarises each step (command, status, reason, expectation, verdict) with the servo text escaped', async () => {
    const { fake, next, reply, post } = await start([
      'describe',
      { adjust: { settings: { 'web.replicas': 5 } }, expect: { status: 'cancelled', reason: 'replicas' } },
      { measure: null, expect: 'ok' },
      'describe',
    ]);
    await reply('DESCRIPTION', (await next()).cmd_uid);
    await reply('ADJUSTMENT', (await next()).cmd_uid, 'cancelled', { reason: 'too many replicas\u001b[2J\nFAKE LINE' });
    await reply('MEASUREMENT', (await next()).cmd_uid, 'failed', { message: 'boom' });
    await post('GOODBYE', { reason: 'SIGTERM' });
    const summary = fake.summary();
    const lines = summary.split('\n');
    expect(lines[0]).toBe('fake optimizer: plan <plan>: 3 of 4 steps run, 1 failed');
    expect(lines[1]).toMatch(/^STEP +COMMAND +STATUS +REASON +EXPECTED +RESULT$/);
    expect(lines[2]).toMatch(/^1 +DESCRIBE +ok +success +ok$/);
    expect(lines[3]).toMatch(/^2 +ADJUST +cancelled +too many replicas\\u001b\[2J\\u000aFAKE LINE +cancelled reason~"replicas" +ok$/);
    expect(lines[4]).toMatch(/^3 +MEASURE +failed +ok +FAILED: expected status ok; got status failed, reason null$/);
    expect(lines[5]).toMatch(/^4 +DESCRIBE +- +NOT RUN$/);
    expect(summary).not.toContain('\u001b');
    expect(summary).toContain('the servo said GOODBYE (reason "SIGTERM")');
    expect(summary.trimEnd().endsWith('result: FAILED (see above)')).toBe(true);
  });
});
