import { describe, expect, it } from 'vitest';
import { Adjustment, Control, DURATION_EXPECTED, isInvalidValueError, parseAdjustment } from '../../src/model/index.js';

describe('Control', () => {
  it('defaults durations to "0s"', () => {
    expect(Control.parse({})).toEqual({ duration: '0s', delay: '0s', warmup: '0s' });
  });

  it('normalises durations and keeps free-form objects', () => {
    const servoxControl = {
      duration: '300s',
      delay: 10,
      warmup: '1m30s',
      settlement: null,
      load: { rps: 100, profile: 'steady' },
      userdata: { slo: 'p99 < 200ms' },
      environment: null,
    };
    const parsed = Control.parse(servoxControl);
    expect(parsed).toEqual({ ...servoxControl, duration: '5m', delay: '10s', warmup: '1m30s' });
    expect(Control.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
    expect(Control.parse({ settlement: '2m' }).settlement).toBe('2m');
  });

  it('names the bad field and the accepted forms', () => {
    const r = Control.safeParse({ duration: 'five minutes' });
    expect(r.error!.issues[0]!.path).toEqual(['duration']);
    expect(r.error!.issues[0]!.message).toBe(`invalid duration "five minutes": ${DURATION_EXPECTED}`);
    expect(Control.safeParse({ load: 'heavy' }).error!.issues[0]!.path).toEqual(['load']);
  });
});

describe('Adjustment', () => {
  it('round-trips servox adjustments with number and string values', () => {
    for (const a of [
      { component_name: 'web', setting_name: 'replicas', value: 3 },
      { component_name: 'web', setting_name: 'inst_type', value: 'm5.large' },
    ]) {
      expect(Adjustment.parse(a)).toEqual(a);
    }
  });

  it('rejects missing names and non-scalar values', () => {
    expect(Adjustment.safeParse({ component_name: 'web', value: 1 }).error!.issues[0]!.path).toEqual(['setting_name']);
    expect(Adjustment.safeParse({ component_name: 'web', setting_name: 'cpu', value: [1] }).error!.issues[0]!.path).toEqual(['value']);
  });

  it.each<[string, unknown]>([
    ['web.replicas=3', { component_name: 'web', setting_name: 'replicas', value: 3 }],
    ['web.cpu=0.5', { component_name: 'web', setting_name: 'cpu', value: 0.5 }],
    ['web.cpu=500m', { component_name: 'web', setting_name: 'cpu', value: '500m' }],
    ['apps.v1/web.mem=1Gi', { component_name: 'apps.v1/web', setting_name: 'mem', value: '1Gi' }],
    ['web.flag=a=b', { component_name: 'web', setting_name: 'flag', value: 'a=b' }],
  ])('parses %s', (text, expected) => {
    expect(parseAdjustment(text)).toEqual(expected);
    expect(Adjustment.parse(parseAdjustment(text))).toEqual(expected);
  });

  it.each(['web.cpu', 'cpu=1', '.cpu=1', 'web.=1', 'web.cpu=', ''])('rejects %j', (text) => {
    let thrown: unknown;
    try {
      parseAdjustment(text);
    } catch (err) {
      thrown = err;
    }
    expect(isInvalidValueError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      `invalid adjustment ${JSON.stringify(text)}: expected COMPONENT.SETTING=VALUE, e.g. "web.cpu=500m" or "web.replicas=3"`,
    );
  });
});
