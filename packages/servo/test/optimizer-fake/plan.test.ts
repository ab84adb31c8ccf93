/** Reading a fake optimizer plan: the forms it accepts and located errors for the rest. */
import { describe, expect, it } from 'vitest';
import { PlanErrors, parsePlan } from '../../src/optimizer/fake/index.js';

/** The formatted errors of an invalid plan. */
async function errorsOf(text: string): Promise<string[]> {
  try {
    await parsePlan(text, 'plan.yaml');
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error('the plan was accepted');
}

describe('fake optimizer plan', () => {
  it('accepts a bare list, short forms and every option', async () => {
    const plan = await parsePlan(
      `- describe
- measure
- measure: {metrics: {rps: {unit: rps}}, control: {duration: 90, past: 1s, load: {rate: 5}}}
  cancel: true
- adjust: {settings: {web.replicas: 2}}
  expect: {status: ok, message: done}
  fail: {status: 503, times: 3, on: reply}
  name: scale up
- sleep: 2m
  delay: 1s
`,
      'plan.yaml',
    );
    expect(plan.idleSleep).toBe(30);
    expect(plan.steps.map((s) => [s.label, s.command, s.line])).toEqual([
      ['1', 'DESCRIBE', 1],
      ['2', 'MEASURE', 2],
      ['3', 'MEASURE', 3],
      ['4', 'ADJUST', 5],
      ['5', 'SLEEP', 9],
    ]);
    expect(plan.steps[1]!.param).toEqual({ control: {} });
    expect(plan.steps[2]!.param).toEqual({ metrics: { rps: { unit: 'rps' } }, control: { duration: 90, past: 1, load: { rate: 5 } } });
    expect(plan.steps[2]!.cancel).toEqual({ after: 1, reason: 'cancelled by the fake optimizer' });
    expect(plan.steps[3]).toMatchObject({ name: 'scale up', expect: { status: 'ok', message: 'done' }, fail: { status: 503, times: 3, on: 'reply' } });
    expect(plan.steps[4]).toMatchObject({ param: { duration: 120, data: { reason: 'plan step' } }, delayMs: 1000 });
  });

  it('locates every problem: file:line:column: field: message (fix: ...)', async () => {
    const errors = await errorsOf(`steps:
  - describe
  - mesure: {}
  - measure: {control: {duraton: 5s}}
    expect: cancelld
  - adjust: {settings: {replicas: 5}}
  - sleep: soon
  - adjust: {settings: {web.cpu: [1]}}
    fail: {status: 200}
    cancel: maybe
  - describe: {}
    repeat: 0
`);
    expect(errors).toEqual([
      'plan.yaml:3:5: steps[1].mesure: unknown field "mesure" (fix: did you mean "measure"?)',
      'plan.yaml:3:5: steps[1]: no command in this step (fix: start the step with one of describe, measure, adjust, sleep, status, e.g. "- measure: {control: {duration: 5s}}")',
      'plan.yaml:4:25: steps[2].measure.control.duraton: unknown field "duraton" (fix: did you mean "duration"?)',
      'plan.yaml:5:13: steps[2].expect: unknown status "cancelld"; expected one of ok, failed, rejected, cancelled, aborted (fix: did you mean "cancelled"?)',
      'plan.yaml:6:25: steps[3].adjust.settings.replicas: "replicas" does not name a component and a setting (fix: write COMPONENT.SETTING, e.g. "web.replicas: 2")',
      expect.stringMatching(/^plan\.yaml:7:12: steps\[4\]\.sleep: expected a duration .* got "soon" \(fix: write e\.g\. 30s, 1m30s or 500ms\)$/),
      'plan.yaml:8:34: steps[5].adjust.settings["web.cpu"]: expected a number or text as the value, got a list (fix: write e.g. "web.replicas: 2" or "web.tier: gold")',
      'plan.yaml:9:20: steps[5].fail.status: expected a whole number from 400 to 599, got 200 (fix: write e.g. status: 503)',
      'plan.yaml:10:13: steps[5].cancel: expected true or {after, reason}, got "maybe" (fix: write "cancel: true" or "cancel: {after: 2, reason: too slow}")',
      'plan.yaml:12:13: steps[6].repeat: expected a whole number from 1 to 10000, got 0 (fix: write e.g. repeat: 3)',
    ]);
  });

  it('reports options that do not fit the step, and bad failures and cancels', async () => {
    const errors = await errorsOf(`- sleep: 1s
  expect: ok
- describe:
  cancel: true
- measure:
  fail: {status: 200}
  cancel: {after: 0}
- adjust: {settings: {web.cpu: 1}}
  fail: {status: 503, on: later}
`);
    expect(errors).toEqual([
      'plan.yaml:2:3: [0].expect: a sleep step has no reply to expect (fix: remove "expect" from this step)',
      'plan.yaml:4:3: [1].cancel: only measure and adjust steps report progress to cancel (fix: remove "cancel" from this step)',
      'plan.yaml:6:18: [2].fail.status: expected a whole number from 400 to 599, got 200 (fix: write e.g. status: 503)',
      'plan.yaml:7:19: [2].cancel.after: expected a whole number from 1 to 10000, got 0 (fix: write e.g. after: 1)',
      'plan.yaml:9:27: [3].fail.on: expected whats_next or reply, got "later" (fix: write "on: whats_next" (the request fetching the command) or "on: reply")',
    ]);
  });

  it('reports YAML syntax errors, an empty plan and unknown top-level fields', async () => {
    const syntax = await errorsOf('- describe\n  - measure: [\n');
    expect(syntax[0]).toMatch(/^plan\.yaml:1:3: YAML syntax error: .* \(fix: .*\)$/);
    expect(await errorsOf('steps: []\n')).toEqual([
      'plan.yaml:1:8: steps: the plan has no steps (fix: write a list of steps, e.g. "- describe" on the first line, or a mapping with "steps:")',
    ]);
    expect(await errorsOf('stepz: [describe]\n')).toEqual([
      'plan.yaml:1:1: stepz: unknown field "stepz" (fix: did you mean "steps"?)',
      'plan.yaml:1:1: the plan has no steps (fix: write a list of steps, e.g. "- describe" on the first line, or a mapping with "steps:")',
    ]);
    expect(await errorsOf('idle_sleep: forever\nsteps: [describe]\n')).toEqual([expect.stringMatching(/^plan\.yaml:1:13: idle_sleep: expected a duration/)]);
  });

  it('reads status steps, answer_progress and an adjust sent with a raw state', async () => {
    const plan = await parsePlan([
      { status: { status: 'ok', message: 'nothing yet' } },
      { status: 'unexpected-event' },
      { measure: {}, answer_progress: 'invalid' },
      { adjust: { state: {} }, expect: 'failed' },
    ]);
    expect(plan.steps.map((s) => [s.command, s.param, s.progressAnswer])).toEqual([
      ['STATUS', { status: 'ok', message: 'nothing yet' }, undefined],
      ['STATUS', { status: 'unexpected-event' }, undefined],
      ['MEASURE', { control: {} }, 'invalid'],
      ['ADJUST', { state: {} }, undefined],
    ]);
    await expect(parsePlan([{ status: 'fine' }])).rejects.toThrow('unknown status "fine"; expected one of ok, invalid, unexpected-event, cancel');
    await expect(parsePlan([{ status: 'ok', expect: 'ok' }])).rejects.toThrow('a status step has no reply to expect');
    await expect(parsePlan([{ describe: {}, answer_progress: 'invalid' }])).rejects.toThrow('only measure and adjust steps report progress');
    await expect(parsePlan([{ measure: {}, answer_progress: 'cancel' }])).rejects.toThrow('expected invalid or unexpected-event');
  });

  it('accepts plain values as the YAML they would be written as', async () => {
    const plan = await parsePlan({ idle_sleep: '1s', hello: { fail: 503 }, steps: [{ adjust: { settings: { web: { replicas: 3 } } } }] });
    expect(plan).toMatchObject({ file: '<plan>', idleSleep: 1, helloFail: { status: 503, times: 1 } });
    expect(plan.steps[0]!.param).toEqual({ state: { application: { components: { web: { settings: { replicas: { value: 3 } } } } } } });
    await expect(parsePlan([{ adjust: {} }])).rejects.toThrow('<plan>:1:11: [0].adjust.settings: expected settings: COMPONENT.SETTING: VALUE, at least one');
  });
});
