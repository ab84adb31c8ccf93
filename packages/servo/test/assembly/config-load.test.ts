/**
 * servo.yaml loading that succeeds: layouts, defaults, `${VAR}` substitution,
 * environment overrides, schema functions; plus the errors that need a
 * real file system or environment rather than a fixture.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { interpolateString, loadConfig, overrideVariable, parseConfigText } from '../../src/assembly/config/index.js';
import { defineConnector } from '../../src/connector/connector.js';
import { ConfigErrors, ConnectorLoadError } from '../../src/errors.js';
import { fakeOptions, STANDARD_EVENTS } from './fake-connectors.js';
import { runServo } from '../../../../test-support/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'servo-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes servo.yaml in a fresh folder named `folder` and loads it. */
async function load(text: string, env: Record<string, string | undefined> = {}, folder = 'my-servo') {
  const home = join(dir, folder);
  mkdirSync(home, { recursive: true });
  const file = join(home, 'servo.yaml');
  writeFileSync(file, text);
  const options = fakeOptions(env);
  const loaded = await loadConfig({ file, ...options });
  return { loaded, file, resolved: options.resolved };
}

async function errorsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.format());
  }
  throw new Error('expected ConfigErrors');
}

const section = (loaded: { sections: { name: string; config: unknown }[] }, name: string) =>
  loaded.sections.find((s) => s.name === name)?.config as Record<string, unknown> | undefined;

describe('layout', () => {
  it('activates each top-level connector type, applies defaults and names the servo after its folder', async () => {
    const { loaded, file } = await load('metrics:\n  url: http://127.0.0.1:9090\nscripts:\n');
    expect(loaded.file).toBe(file);
    expect(loaded.servoName).toBe('my-servo');
    expect(loaded.sections).toEqual([
      { name: 'metrics', type: 'metrics', config: { url: 'http://127.0.0.1:9090', interval: '1m', port: 9090, tags: [], mode: 'safe' } },
      { name: 'scripts', type: 'scripts', config: {} },
    ]);
  });

  it('takes the servo name from `name`', async () => {
    const { loaded } = await load('name: checkout-prod\nscripts: {}\n');
    expect(loaded.servoName).toBe('checkout-prod');
  });

  it('with a `connectors` list, activates only those, validating a missing section as {} with defaults', async () => {
    const { loaded, resolved } = await load('connectors: [notify, scripts]\nscripts:\n  measure: ./m.sh\nmetrics:\n  url: 1\n  bogus: true\n');
    expect(loaded.sections.map((s) => [s.name, s.type])).toEqual([
      ['notify', 'notify'],
      ['scripts', 'scripts'],
    ]);
    expect(section(loaded, 'notify')).toEqual({ hooks: [], retries: 3, enabled: true });
    expect(section(loaded, 'scripts')).toEqual({ measure: './m.sh' });
    // The unlisted metrics section is inactive: neither loaded nor validated.
    expect(resolved.sort()).toEqual(['notify', 'scripts']);
  });

  it('runs one type twice under two names with a `connectors` mapping', async () => {
    const { loaded } = await load(
      ['connectors:', '  prom-a: metrics', '  prom/b: metrics', 'prom-a:', '  url: http://a:9090', 'prom/b:', '  url: http://b:9090', '  port: 9191', ''].join(
        '\n',
      ),
    );
    expect(loaded.sections.map((s) => ({ name: s.name, type: s.type, url: (s.config as { url: string }).url }))).toEqual([
      { name: 'prom-a', type: 'metrics', url: 'http://a:9090' },
      { name: 'prom/b', type: 'metrics', url: 'http://b:9090' },
    ]);
    expect(section(loaded, 'prom/b')?.port).toBe(9191);
    expect(section(loaded, 'prom-a')?.port).toBe(9090);
  });

  it('gives a schema function the standard events plus those the resolved connectors declare', async () => {
    const seen: (readonly string[])[] = [];
    const probe = defineConnector({
      type: 'probe',
      metadata: { version: '1.0.0', description: 'probe', maturity: 'experimental' },
      config: (ctx) => {
        seen.push(ctx.events);
        return z.strictObject({ on: z.enum(ctx.events as [string, ...string[]]).default('startup') });
      },
      setup() {},
    });
    const options = fakeOptions();
    const file = join(dir, 'servo.yaml');
    const loaded = await parseConfigText('probe:\n  on: deploy\nnotify: {}\n', file, {
      ...options,
      availableTypes: () => [...options.availableTypes(), 'probe'],
      resolveType: async (t) => (t === 'probe' ? probe : options.resolveType(t)),
    });
    expect(seen).toEqual([[...STANDARD_EVENTS, 'deploy']]);
    expect(section(loaded, 'probe')).toEqual({ on: 'deploy' });
    expect(section(loaded, 'notify')?.hooks).toEqual([]);
  });

  it('reports a schema function that throws as a connector load error', async () => {
    const broken = defineConnector({
      type: 'broken',
      metadata: { version: '1.0.0', description: 'broken', maturity: 'experimental' },
      config: () => {
        throw new Error('boom');
      },
      setup() {},
    });
    const promise = parseConfigText('broken: {}\n', join(dir, 'servo.yaml'), {
      standardEvents: [],
      availableTypes: () => ['broken'],
      resolveType: async () => broken,
    });
    await expect(promise).rejects.toBeInstanceOf(ConnectorLoadError);
    await expect(promise).rejects.toThrow(/broken.*boom/);
  });

  it('reports a listed type that cannot be resolved at its declaration', async () => {
    const file = join(dir, 'servo.yaml');
    const messages = await errorsOf(
      parseConfigText('connectors:\n  - ghost\n', file, { standardEvents: [], availableTypes: () => ['ghost'], resolveType: async () => undefined }),
    );
    expect(messages).toEqual([
      `${file}:2:5: ghost: connector type "ghost" is not available (fix: check that the package providing "ghost" is installed; available types: ghost)`,
    ]);
  });

  it('collects structural and validation errors of different sections in one throw, in file order', async () => {
    const { file } = await load('metrics:\n  url: x\n', {});
    writeFileSync(file, 'scripts:\n  measure: 3\nmetrics:\n  port: x\nbogus: 1\n');
    const messages = await errorsOf(loadConfig({ file, ...fakeOptions() }));
    expect(messages.map((m) => m.slice(file.length + 1, file.length + 5))).toEqual(['2:12', '3:1:', '4:9:', '5:1:']);
  });
});

describe('${VAR} substitution', () => {
  it('replaces ${VAR} and ${VAR:-default}, retypes plain scalars, keeps quoted ones as strings and unescapes $${', async () => {
    const { loaded } = await load(
      [
        'name: ${SERVO_NAME:-fallback-name}',
        'metrics:',
        '  url: http://${HOST}:${PORT:-9090}/metrics',
        '  port: ${PORT:-9090}',
        '  tags: ["${TAG}", "$${NOT_A_VAR}", "${EMPTY:-was-empty}", "${EMPTY}"]',
        '  interval: ${INTERVAL}',
        '',
      ].join('\n'),
      { HOST: 'db.local', TAG: '00123', EMPTY: '', INTERVAL: '45s' },
    );
    expect(loaded.servoName).toBe('fallback-name');
    expect(section(loaded, 'metrics')).toMatchObject({
      url: 'http://db.local:9090/metrics',
      port: 9090,
      tags: ['00123', '${NOT_A_VAR}', 'was-empty', ''],
      interval: '45s',
    });
  });

  it('uses the environment value over the default', async () => {
    const { loaded } = await load('metrics:\n  url: u\n  port: ${PORT:-9090}\n', { PORT: '7070' });
    expect(section(loaded, 'metrics')?.port).toBe(7070);
  });

  it('interpolateString follows the shell rules for :- and reports problems without values', () => {
    expect(interpolateString('a${X}b', { X: '1' })).toEqual({ ok: true, value: 'a1b', variables: ['X'] });
    expect(interpolateString('${X:-d}', { X: '' })).toEqual({ ok: true, value: 'd', variables: ['X'] });
    expect(interpolateString('${X:-}', {})).toEqual({ ok: true, value: '', variables: ['X'] });
    expect(interpolateString('$${X} ${Y}', { X: 'no', Y: 'yes' })).toEqual({ ok: true, value: '${X} yes', variables: ['Y'] });
    expect(interpolateString('plain $X', {})).toEqual({ ok: true, value: 'plain $X', variables: [] });
    const unset = interpolateString('${MISSING}', {});
    expect(unset).toEqual({
      ok: false,
      problem: { message: 'environment variable MISSING is not set', hint: 'export MISSING=... or write ${MISSING:-default}', unset: 'MISSING' },
    });
    const open = interpolateString('x ${OOPS', {});
    expect(open.ok).toBe(false);
    expect(!open.ok && open.problem.message).toBe('malformed variable reference "${"');
  });
});

describe('environment overrides', () => {
  it('parses SERVO_<NAME>_<FIELD> values as YAML and replaces the fields', async () => {
    const { loaded } = await load('metrics:\n  url: http://127.0.0.1:9090\n  port: 1\n', {
      SERVO_METRICS_PORT: '3',
      SERVO_METRICS_TAGS: '[a, b]',
      SERVO_METRICS_MODE: 'fast',
      SERVO_METRICS_UNKNOWNFIELD: 'ignored',
    });
    expect(section(loaded, 'metrics')).toMatchObject({ url: 'http://127.0.0.1:9090', port: 3, tags: ['a', 'b'], mode: 'fast' });
  });

  it('overrides sections that are missing or empty, and instances whose names need mangling', async () => {
    const { loaded } = await load('connectors:\n  my-notify.v2: notify\n  hooks: notify\nhooks:\n', {
      SERVO_MY_NOTIFY_V2_ENABLED: 'false',
      SERVO_HOOKS_HOOKS: '[{url: "https://x.example/h", events: [after:deploy]}]',
    });
    expect(overrideVariable('my-notify.v2', 'enabled')).toBe('SERVO_MY_NOTIFY_V2_ENABLED');
    expect(section(loaded, 'my-notify.v2')?.enabled).toBe(false);
    expect(section(loaded, 'hooks')?.hooks).toEqual([{ url: 'https://x.example/h', events: ['after:deploy'], timeout: '5s' }]);
  });

  it('names the variable, not a file line, when an overridden value is invalid, without showing the value', async () => {
    const messages = await errorsOf(
      load('notify:\n  retries: 1\n', {
        SERVO_NOTIFY_TOKEN: '12345',
        SERVO_NOTIFY_HOOKS: '[{url: "https://x.example", events: [before:nothing]}]',
      }).then((r) => r.loaded),
    );
    expect(messages).toEqual([
      'notify.hooks[0].events[0]: environment variable SERVO_NOTIFY_HOOKS: expected one of: before:startup, after:startup, before:shutdown, after:shutdown, before:describe, after:describe, before:measure, after:measure, before:adjust, after:adjust, before:deploy, after:deploy; got a string (fix: use one of the listed values, in SERVO_NOTIFY_HOOKS (or unset it))',
      'notify.token: environment variable SERVO_NOTIFY_TOKEN: expected a string, got a number (fix: put the value in quotes, in SERVO_NOTIFY_TOKEN (or unset it))',
    ]);
  });
});

describe('file problems', () => {
  it('reports a missing file with a way to start one', async () => {
    const file = join(dir, 'nope', 'servo.yaml');
    const messages = await errorsOf(loadConfig({ file, ...fakeOptions() }));
    expect(messages).toEqual([
      `${file}: configuration file not found (fix: check the path, or write a starting configuration with "servo generate --defaults NAME", NAME being a connector type (available: metrics, notify, scripts))`,
    ]);
  });

  it('reports a folder given as the file', async () => {
    const messages = await errorsOf(loadConfig({ file: dir, ...fakeOptions() }));
    expect(messages).toEqual([`${dir}: expected a file, got a folder (fix: give the path of the YAML file, e.g. ${join(dir, 'servo.yaml')})`]);
  });

  it('reports an unreadable file (to an unprivileged user: root reads any file)', async () => {
    const file = join(dir, 'servo.yaml');
    writeFileSync(file, 'scripts: {}\n');
    chmodSync(file, 0o000);
    chmodSync(dir, 0o755);
    const run = await runServo(['validate'], { config: file, cwd: dir, user: 'nobody' });
    expect(run.stderr).toContain(`${file}: cannot read the configuration file: permission denied (fix: check the permissions of the file and its folders)`);
  });

  it('makes a relative path absolute', async () => {
    const messages = await errorsOf(loadConfig({ file: 'definitely-not-here.yaml', ...fakeOptions() }));
    expect(messages[0]).toMatch(new RegExp(`^${process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/definitely-not-here\\.yaml: `));
  });
});

describe('error wording', () => {
  const shaped = defineConnector({
    type: 'shaped',
    metadata: { version: '1.0.0', description: 'shaped', maturity: 'experimental' },
    config: z.strictObject({
      slug: z
        .string()
        .regex(/^[a-z-]+$/, 'expected a lowercase slug')
        .optional(),
      limit: z.union([z.number(), z.literal('auto')]).optional(),
      target: z
        .discriminatedUnion('kind', [z.strictObject({ kind: z.literal('http'), url: z.url() }), z.strictObject({ kind: z.literal('file'), path: z.string() })])
        .optional(),
    }),
    setup() {},
  });
  const parse = (text: string) =>
    errorsOf(parseConfigText(text, join(dir, 'servo.yaml'), { standardEvents: [], availableTypes: () => ['shaped'], resolveType: async () => shaped }));

  it("keeps a schema's own message, explains unions and discriminated unions", async () => {
    const file = join(dir, 'servo.yaml');
    const messages = await parse('shaped:\n  slug: Not_A_Slug\n  limit: [1]\n  target:\n    kind: ftp\n');
    expect(messages).toEqual([
      `${file}:2:9: shaped.slug: expected a lowercase slug`,
      `${file}:3:10: shaped.limit: expected a number or "auto", got a list`,
      `${file}:5:11: shaped.target.kind: expected one of: http, file; got the string "ftp" (fix: use one of the listed values)`,
    ]);
  });

  it('follows the union branch the value matched to the nested problem', async () => {
    const file = join(dir, 'servo.yaml');
    const messages = await parse('shaped:\n  target: {kind: http, url: nope}\n');
    expect(messages).toEqual([
      `${file}:2:29: shaped.target.url: expected a URL, got "nope" (fix: write an absolute URL with its scheme, e.g. https://example.com/hook)`,
    ]);
  });
});
