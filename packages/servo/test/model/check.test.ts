import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CheckSeverity } from '../../src/connector/connector.js';
import { Check, CheckFilter, checkIdFromName, haltsAt, matchesCheckFilter, Severity } from '../../src/model/index.js';

/** A check as servox serialises it (exception and remedy left out). */
const servoxCheck = {
  name: 'Connect to "http://prometheus:9090"',
  id: 'check_base_url',
  description: null,
  severity: 'critical',
  tags: ['connectivity'],
  success: true,
  message: null,
  hint: null,
  created_at: '2025-03-01T12:00:00.123456',
  run_at: '2025-03-01T12:00:01.5+00:00',
};

describe('Check', () => {
  it('round-trips a servox check', () => {
    const parsed = Check.parse(servoxCheck);
    expect(parsed).toEqual(servoxCheck);
    expect(Check.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('defaults severity to common and leaves optional fields out', () => {
    const c = Check.parse({ name: 'n', id: 'n', success: false, created_at: '2025-03-01T12:00:00Z' });
    expect(c).toEqual({ name: 'n', id: 'n', severity: 'common', success: false, created_at: '2025-03-01T12:00:00Z' });
  });

  it('drops non-JSON fields such as exception and remedy, so it always serialises', () => {
    const withExtras = {
      ...servoxCheck,
      exception: new Error('boom'),
      remedy: () => 'restart it',
      cyclic: {} as Record<string, unknown>,
    };
    withExtras.cyclic.self = withExtras.cyclic;
    const parsed = Check.parse(withExtras);
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(servoxCheck).sort());
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(servoxCheck);
    const schema = z.toJSONSchema(Check, { io: 'output' }) as unknown as { $defs: { Check: { properties: object; additionalProperties: unknown } } };
    expect(schema.$defs.Check.additionalProperties).toBe(false);
    const props = schema.$defs.Check.properties;
    expect(Object.keys(props)).not.toContain('exception');
    expect(Object.keys(props)).not.toContain('remedy');
  });

  it.each<[string, Record<string, unknown>, (string | number)[], RegExp]>([
    ['bad severity', { severity: 'fatal' }, ['severity'], /critical|common|warning/],
    ['missing success', { success: undefined }, ['success'], /boolean/],
    ['Date instead of a string', { created_at: new Date() }, ['created_at'], /ISO 8601/],
    ['malformed time', { run_at: '01/03/2025' }, ['run_at'], /ISO 8601/],
    ['non-string tags', { tags: [1] }, ['tags', 0], /string/],
  ])('rejects %s', (_label, patch, path, message) => {
    const r = Check.safeParse({ ...servoxCheck, ...patch });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(path);
    expect(r.error!.issues[0]!.message).toMatch(message);
  });

  it('has the same severities as the connector contract', () => {
    const all: CheckSeverity[] = Severity.options;
    expect(all).toEqual(['critical', 'common', 'warning']);
  });
});

describe('check filtering', () => {
  const check = { name: 'Webhook alerts', id: 'webhook_alerts', tags: ['webhooks', 'network'] };

  it.each<[string, unknown, boolean]>([
    ['no filter', undefined, true],
    ['empty filter', {}, true],
    ['name as a string', { name: 'Webhook alerts' }, true],
    ['name in a list', { name: ['x', 'Webhook alerts'] }, true],
    ['other name', { name: 'x' }, false],
    ['id', { id: 'webhook_alerts' }, true],
    ['other id', { id: ['a', 'b'] }, false],
    ['one shared tag', { tags: ['network', 'db'] }, true],
    ['no shared tag', { tags: ['db'] }, false],
    ['every field must match', { name: 'Webhook alerts', tags: ['db'] }, false],
  ])('%s', (_label, filter, expected) => {
    expect(matchesCheckFilter(filter === undefined ? undefined : CheckFilter.parse(filter), check)).toBe(expected);
  });

  it('a check without tags matches no tag filter', () => {
    expect(matchesCheckFilter({ tags: ['x'] }, { name: 'n', tags: null })).toBe(false);
  });

  it('halts at the given severity or worse', () => {
    expect(haltsAt('critical', 'critical')).toBe(true);
    expect(haltsAt('common', 'critical')).toBe(false);
    expect(haltsAt('common', 'common')).toBe(true);
    expect(haltsAt('critical', 'warning')).toBe(true);
    expect(haltsAt('warning', 'common')).toBe(false);
  });

  it('derives ids from names', () => {
    expect(checkIdFromName('Connect to "http://prometheus:9090"')).toBe('connect_to_http_prometheus_9090');
    expect(checkIdFromName('!!!')).toBe('check');
  });
});
