import { describe, expect, it } from 'vitest';
import { Message, isJsonContentType } from '../../src/pubsub/index.js';

describe('Message', () => {
  it('text() builds a UTF-8 text message and round-trips non-ASCII text', () => {
    const m = Message.text('héllo ✓', { source: 'test' });
    expect(m.contentType).toBe('text/plain; charset=utf-8');
    expect(m.content).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(m.content).toString('utf8')).toBe('héllo ✓');
    expect(m.text()).toBe('héllo ✓');
    expect(m.metadata).toEqual({ source: 'test' });
    expect(Object.isFrozen(m.metadata)).toBe(true);
    expect(m.createdAt).toBeInstanceOf(Date);
  });

  it('json() encodes a value that json<T>() decodes', () => {
    const m = Message.json({ cpu: 0.5, tags: ['a'] });
    expect(m.contentType).toBe('application/json');
    expect(m.text()).toBe('{"cpu":0.5,"tags":["a"]}');
    expect(m.json<{ cpu: number }>().cpu).toBe(0.5);
    expect(m.metadata).toEqual({});
  });

  it('json() refuses a value without JSON form', () => {
    expect(() => Message.json(undefined)).toThrow(/cannot encode a undefined as JSON/);
  });

  it('constructor takes bytes, a content type and metadata, and copies the metadata', () => {
    const meta = { k: 'v' };
    const bytes = new TextEncoder().encode('{"a":1}');
    const m = new Message({ content: bytes, contentType: 'application/vnd.servo+json; charset=utf-8', metadata: meta });
    meta.k = 'changed';
    expect(m.metadata.k).toBe('v');
    expect(m.content).toBe(bytes);
    expect(m.json()).toEqual({ a: 1 });
  });

  it('decodes text in the charset of the content type', () => {
    const m = new Message({ content: Uint8Array.from([0xe9]), contentType: 'text/plain; charset=latin1' });
    expect(m.text()).toBe('é');
  });

  it('json<T>() throws a coded error for a non-JSON content type', () => {
    const m = Message.text('{"a":1}');
    expect(() => m.json()).toThrow(/content type "text\/plain; charset=utf-8" is not JSON/);
    try {
      m.json();
    } catch (err) {
      expect((err as { code: string }).code).toBe('SERVO_MESSAGE_CONTENT');
    }
  });

  it('json<T>() throws a coded error for invalid JSON', () => {
    const m = new Message({ content: '{"a":', contentType: 'application/json' });
    expect(() => m.json()).toThrow(/not valid JSON/);
  });

  it('defaults to application/octet-stream', () => {
    expect(new Message({ content: new Uint8Array([1, 2]) }).contentType).toBe('application/octet-stream');
  });

  it('recognises JSON-ish content types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/cloudevents+json')).toBe(true);
    expect(isJsonContentType('text/json')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType('application/jsonl')).toBe(false);
  });
});
