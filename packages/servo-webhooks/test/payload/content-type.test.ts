import { describe, expect, it } from 'vitest';
import { CANCEL_CONTENT_TYPES, EVENT_CONTENT_TYPE, EVENT_MEDIA_TYPE, SCHEMA_VERSION, isCancelContentType } from '../../src/payload/content-type.js';

describe('content types', () => {
  it('the event content type is a vendor +json type carrying the schema version', () => {
    expect(SCHEMA_VERSION).toBe(1);
    expect(EVENT_MEDIA_TYPE).toMatch(/^application\/vnd\.[a-z0-9.-]+\+json$/);
    expect(EVENT_CONTENT_TYPE).toBe(`${EVENT_MEDIA_TYPE}; version=${SCHEMA_VERSION}`);
    expect(EVENT_CONTENT_TYPE).toBe('application/vnd.opsani.servo.webhooks.event+json; version=1');
  });

  it('lists both cancel content types', () => {
    expect(CANCEL_CONTENT_TYPES).toEqual([
      'application/vnd.opsani.servo.errors.CancelEventError+json',
      'application/vnd.opsani.servo.errors.EventCancelledError+json',
    ]);
    expect(Object.isFrozen(CANCEL_CONTENT_TYPES)).toBe(true);
  });

  it('recognises cancel content types case-insensitively, ignoring parameters and whitespace', () => {
    for (const t of CANCEL_CONTENT_TYPES) {
      expect(isCancelContentType(t)).toBe(true);
      expect(isCancelContentType(t.toUpperCase())).toBe(true);
      expect(isCancelContentType(`  ${t.toLowerCase()} ; charset=utf-8`)).toBe(true);
      expect(isCancelContentType([t])).toBe(true);
    }
  });

  it('rejects everything else', () => {
    for (const v of [
      undefined,
      null,
      '',
      'application/json',
      'application/json; type=application/vnd.opsani.servo.errors.CancelEventError+json',
      'application/vnd.opsani.servo.errors.CancelEventError',
      'application/vnd.opsani.servo.errors.CancelEventError+jsonx',
      'application/json; note="a, application/vnd.opsani.servo.errors.CancelEventError+json"',
      EVENT_CONTENT_TYPE,
    ]) {
      expect(isCancelContentType(v)).toBe(false);
    }
    expect(isCancelContentType([])).toBe(false);
  });

  it('reads every value of a repeated header: any cancel type among them is a cancel', () => {
    const [cancel, cancelled] = CANCEL_CONTENT_TYPES as [string, string];
    expect(isCancelContentType(`${cancel}, ${cancel}`)).toBe(true);
    expect(isCancelContentType([cancel, 'application/json'])).toBe(true);
    expect(isCancelContentType(['application/json', `${cancelled.toUpperCase()} ; charset=utf-8`])).toBe(true);
    expect(isCancelContentType('text/plain;q="x,y", application/vnd.opsani.servo.errors.cancelEventError+JSON;v=1')).toBe(true);
  });
});
