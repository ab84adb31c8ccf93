/** The `history:` setting of the webhooks section: bounds as sizes and counts, `false`, located errors. */
import { standardEvents } from 'servo-core';
import { describe, expect, it } from 'vitest';
import { configSchema, encodeConfig } from '../../src/config/index.js';
import { formatByteSize, parseByteSize } from '../../src/config/settings.js';

const schema = configSchema({ events: standardEvents.map((e) => e.name) });
const base = { name: 'hook', events: 'after:measure', url: 'http://127.0.0.1:9/hook', secret: 'sup3r-s3cret-value' };

function issues(input: unknown): string[] {
  const r = schema.safeParse(input);
  expect(r.success, 'expected the section to be rejected').toBe(false);
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('history setting', () => {
  it('defaults to 1,000 attempts and 50 MB, in both forms', () => {
    expect(schema.parse([base]).settings.history).toEqual({ maxAttempts: 1000, maxBytes: 50_000_000 });
    expect(schema.parse({ webhooks: [base] }).settings.history).toEqual({ maxAttempts: 1000, maxBytes: 50_000_000 });
  });

  it('reads sizes with SI and IEC units or a number of bytes, and false', () => {
    const at = (history: unknown) => schema.parse({ history, webhooks: [base] }).settings.history;
    expect(at({ max_attempts: 200, max_bytes: '512KiB' })).toEqual({ maxAttempts: 200, maxBytes: 524_288 });
    expect(at({ max_bytes: '1.5GB' })).toEqual({ maxAttempts: 1000, maxBytes: 1_500_000_000 });
    expect(at({ max_bytes: 4096 })).toEqual({ maxAttempts: 1000, maxBytes: 4096 });
    expect(at({})).toEqual({ maxAttempts: 1000, maxBytes: 50_000_000 });
    expect(at(false)).toBe(false);
  });

  it('says where a bad value is', () => {
    expect(issues({ history: { max_bytes: 'lots' }, webhooks: [base] }).join('\n')).toMatch(/^history\.max_bytes: expected a size such as 50MB, 512KiB/m);
    expect(issues({ history: { max_bytes: '12 parsecs' }, webhooks: [base] }).join('\n')).toMatch(/^history\.max_bytes: /m);
    expect(issues({ history: { max_bytes: 10 }, webhooks: [base] }).join('\n')).toMatch(/^history\.max_bytes: .*at least 1KiB/m);
    expect(issues({ history: { max_attempts: 0 }, webhooks: [base] }).join('\n')).toMatch(/^history\.max_attempts: .*at least 1/m);
    expect(issues({ history: { max_attemps: 10 }, webhooks: [base] }).join('\n')).toMatch(/^history: .*max_attemps/m);
    expect(issues({ history: true, webhooks: [base] }).join('\n')).toMatch(/^history: /m);
  });

  it('is written back by servo config in its servo.yaml form', () => {
    expect((encodeConfig(schema.parse({ webhooks: [base] })) as { history: unknown }).history).toEqual({ max_attempts: 1000, max_bytes: '50MB' });
    expect((encodeConfig(schema.parse({ history: false, webhooks: [base] })) as { history: unknown }).history).toBe(false);
    expect((encodeConfig(schema.parse({ history: { max_bytes: '512KiB' }, webhooks: [base] })) as { history: unknown }).history).toEqual({
      max_attempts: 1000,
      max_bytes: '512KiB',
    });
  });

  it('parses and formats sizes', () => {
    expect(parseByteSize('50MB')).toBe(50_000_000);
    expect(parseByteSize('50mib')).toBe(52_428_800);
    expect(parseByteSize('7')).toBe(7);
    expect(parseByteSize('7 bytes')).toBeUndefined();
    expect(formatByteSize(50_000_000)).toBe('50MB');
    expect(formatByteSize(1536)).toBe(1536);
    expect(formatByteSize(524_288)).toBe('512KiB');
  });
});
