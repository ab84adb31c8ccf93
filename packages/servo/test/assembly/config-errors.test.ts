/**
 * The error corpus: each test/fixtures/config-errors/NAME.yaml is loaded with
 * the fake connectors and must fail with exactly the messages of
 * NAME.expected.txt (`<file>` stands for the fixture's absolute path).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/assembly/config/index.js';
import { ConfigError, ConfigErrors, hasCode } from '../../src/errors.js';
import { fakeOptions } from './fake-connectors.js';

const dir = resolve(import.meta.dirname, '../fixtures/config-errors');

/** Environment each fixture is loaded with (default: empty, so the machine's environment never leaks in). */
const ENV: Record<string, Record<string, string>> = {
  'bad-env-override': { SERVO_METRICS_PORT: 'abc-secret-9', SERVO_METRICS_TAGS: '[unclosed-secret' },
  'substituted-not-echoed': { METRICS_PORT: 's3cr3t-port' },
};

/** Values that must never appear in the messages (secrets, environment-provided values). */
const NEVER_SHOWN: Record<string, string[]> = {
  'bad-env-override': ['abc-secret-9', 'unclosed-secret'],
  'substituted-not-echoed': ['s3cr3t-port'],
  'secret-not-echoed': ['1234567890', 'hunter2', '42'],
};

const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

async function failure(name: string): Promise<ConfigErrors> {
  const file = join(dir, `${name}.yaml`);
  try {
    await loadConfig({ file, ...fakeOptions(ENV[name] ?? {}) });
  } catch (err) {
    if (err instanceof ConfigErrors) return err;
    throw err;
  }
  throw new Error(`${name}.yaml loaded without error`);
}

describe('config error corpus', () => {
  it('has at least 15 distinct bad files, each with its expected messages', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    const expectations = readdirSync(dir).filter((f) => f.endsWith('.expected.txt'));
    expect(expectations.map((f) => f.slice(0, -'.expected.txt'.length)).sort()).toEqual(fixtures);
  });

  it.each(fixtures)('%s.yaml fails with the expected located messages', async (name) => {
    const file = join(dir, `${name}.yaml`);
    const expected = readFileSync(join(dir, `${name}.expected.txt`), 'utf8')
      .trimEnd()
      .replaceAll('<file>', file);
    const err = await failure(name);
    expect(hasCode(err, 'SERVO_CONFIG_ERRORS')).toBe(true);
    expect(err.errors.length).toBeGreaterThan(0);
    for (const e of err.errors) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.details.hint, `every error says how to fix it: ${e.format()}`).toBeTruthy();
    }
    expect(err.errors.map((e) => e.format()).join('\n')).toBe(expected);
    expect(err.message).toBe(expected);
    for (const secret of NEVER_SHOWN[name] ?? []) expect(err.message).not.toContain(secret);
  });
});
