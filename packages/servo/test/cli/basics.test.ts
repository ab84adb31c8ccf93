/** `servo version | validate | generate | schema | show events|connectors` and usage errors, as a subprocess. */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKSPACE } from '../connector/project.js';
import { exists, servo, STACK_LINE, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-cli-');

const VALID = `scripts:
  timeout: 10s
  on:
    measure: ["./measure.sh"]
`;

describe('servo version', () => {
  it('prints the package version and exits 0, without any servo.yaml', async () => {
    const { version } = JSON.parse(await readFile(join(WORKSPACE, 'packages', 'servo', 'package.json'), 'utf8')) as { version: string };

    const r = await servo(['version'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`servo ${version} (node ${process.versions.node})\n`);
    expect(r.stderr).toBe('');

    const j = await servo(['--output', 'json', 'version'], { cwd: f.elsewhere });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ servo: version, node: process.versions.node });
  });
});

describe('usage errors', () => {
  it('an unknown command exits 2 and says so', async () => {
    const r = await servo(['frobnicate'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing argument and an unknown `show` subject exit 2', async () => {
    await writeFiles(f.project, { 'servo.yaml': VALID });
    const missing = await servo(['--config', join(f.project, 'servo.yaml'), 'adjust'], { cwd: f.elsewhere });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'settings'");

    const bad = await servo(['--config', join(f.project, 'servo.yaml'), 'show', 'wizards'], { cwd: f.elsewhere });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot show "wizards": expected one of connectors, events, metrics, components');
  });

  it('--help exits 0 and lists the commands', async () => {
    const r = await servo(['--help'], { cwd: f.elsewhere });
    expect(r.code).toBe(0);
    for (const c of ['describe', 'measure', 'adjust', 'check', 'show', 'schema', 'validate', 'generate', 'config', 'version', 'run']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    }
  });
});

describe('servo validate', () => {
  it('accepts a valid servo.yaml (exit 0) and names its connectors', async () => {
    await writeFiles(f.project, { 'servo.yaml': VALID });
    const file = join(f.project, 'servo.yaml');

    const r = await servo(['--config', file, 'validate'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}: valid, 1 connector: scripts\n`);
  });

  it('finds servo.yaml through SERVO_CONFIG_FILE, and in the working folder', async () => {
    await writeFiles(f.project, { 'servo.yaml': VALID });
    const viaEnv = await servo(['validate'], { cwd: f.elsewhere, env: { SERVO_CONFIG_FILE: join(f.project, 'servo.yaml') } });
    expect(viaEnv.code).toBe(0);
    const inCwd = await servo(['validate'], { cwd: f.project });
    expect(inCwd.code).toBe(0);
    expect(inCwd.stdout).toContain(join(f.project, 'servo.yaml'));
  });

  it('rejects an invalid servo.yaml with exit 2: every problem at file:line:col with its path, no stack trace', async () => {
    await writeFiles(f.project, {
      'servo.yaml': `scripts:
  timeout: forever
  on:
    measur: ["./measure.sh"]
`,
    });
    const file = join(f.project, 'servo.yaml');

    const r = await servo(['--config', file, 'validate'], { cwd: f.elsewhere });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^servo: ${escapeRegExp(file)}:2:12: scripts\\.timeout: expected a positive duration`));
    expect(lines[1]).toMatch(new RegExp(`^servo: ${escapeRegExp(file)}:4:5: scripts\\.on\\.measur: unknown field "measur"`));
    expect(lines[1]).toContain('did you mean "measure"?');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing configuration file exits 2 with a hint', async () => {
    const file = join(f.project, 'nope.yaml');
    const r = await servo(['--config', file, 'validate'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`servo: ${file}: configuration file not found (named by --config) (fix: create one with \`servo generate`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe('servo generate', () => {
  it('--defaults scripts writes a servo.yaml that validate accepts; it refuses to overwrite without --force', async () => {
    const file = join(f.project, 'servo.yaml');

    const first = await servo(['generate', '--defaults', 'scripts'], { cwd: f.project });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`wrote ${file} (scripts)\n`);
    const generated = await readFile(file, 'utf8');
    expect(generated).toMatch(/^scripts:$/m);
    expect(generated).toMatch(/^ {2}timeout: 30s$/m);
    expect(generated).toMatch(/^ {2}shell: \/bin\/sh$/m);
    expect(generated).toContain('# Exit 0 proceeds; exit 100 cancels the event');

    const valid = await servo(['--config', file, 'validate'], { cwd: f.elsewhere });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('valid, 1 connector: scripts');

    await appendFile(file, '# edited by hand\n');
    const again = await servo(['generate', '--defaults', 'scripts'], { cwd: f.project });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already has a section "scripts"; pass --force to overwrite the file`);
    expect(await readFile(file, 'utf8')).toContain('# edited by hand');

    const forced = await servo(['generate', '--defaults', 'scripts', '--force'], { cwd: f.project });
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(generated);
  });

  it('without --defaults leaves defaulted fields out; --stdout prints instead of writing; --file picks the path', async () => {
    const printed = await servo(['generate', 'scripts', '--stdout'], { cwd: f.project });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^scripts:$/m);
    expect(printed.stdout).not.toContain('timeout:');
    expect(exists(f.project, 'servo.yaml')).toBe(false);

    const toFile = await servo(['generate', 'scripts', '--file', join(f.project, 'other.yaml')], { cwd: f.elsewhere });
    expect(toFile.code).toBe(0);
    expect(await readFile(join(f.project, 'other.yaml'), 'utf8')).toBe(printed.stdout);
  });

  it('an unknown connector type exits 2 and lists the installed types', async () => {
    const r = await servo(['generate', 'nosuchtype', '--stdout'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown connector type "nosuchtype"; installed types: scripts');
  });
});

describe('servo schema', () => {
  it('an event name prints its parameters and result as JSON Schema (no servo.yaml needed)', async () => {
    const r = await servo(['schema', 'measure'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { event: string; description: string; params: any; result: any };
    expect(s.event).toBe('measure');
    expect(s.description).toBe('Measure metrics over the control duration');
    expect(s.params.type).toBe('object');
    expect(Object.keys(s.params.properties).sort()).toEqual(['control', 'metrics']);
    expect(s.params.properties.metrics).toMatchObject({ type: 'array', items: { type: 'string' } });
    // The result refers to its named definition.
    expect(s.result.$ref).toBe('#/$defs/Measurement');
    expect(Object.keys(s.result.$defs.Measurement.properties).sort()).toEqual(['annotations', 'readings']);
  });

  it('a connector type prints its configuration schema', async () => {
    const r = await servo(['schema', 'scripts'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { type: string; properties: Record<string, any>; additionalProperties: unknown };
    expect(s.type).toBe('object');
    expect(Object.keys(s.properties).sort()).toEqual(['after', 'before', 'cwd', 'on', 'shell', 'timeout']);
    expect(s.properties.timeout.default).toBe('30s');
    expect(s.additionalProperties).toBe(false);
  });

  it('no name prints the schema of the whole servo.yaml: valid files validate against it, wrong ones do not', async () => {
    const text = `name: shop
connectors: [scripts]
scripts:
  on:
    measure: ./measure.sh
`;
    await writeFiles(f.project, { 'servo.yaml': text });
    const whole = await servo(['--config', join(f.project, 'servo.yaml'), 'schema'], { cwd: f.elsewhere });
    expect(whole.code).toBe(0);
    const schema = JSON.parse(whole.stdout) as { title: string; properties: Record<string, any> };
    expect(schema.title).toBe('servo.yaml');
    expect(Object.keys(schema.properties)).toEqual(['name', 'connectors', 'scripts']);

    const Ajv = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
    const validate = new Ajv({ strict: false }).compile(schema);
    const ok = (value: unknown) => {
      const valid = validate(value);
      return valid ? 'valid' : JSON.stringify(validate.errors);
    };
    // Fields with defaults are optional in the file.
    expect(ok(parse(text))).toBe('valid');
    expect(ok({ connectors: { scripts: 'scripts' }, scripts: {} })).toBe('valid');
    expect(ok({ scripts: { timeout: 5, on: { measure: ['a', 'b'] } } })).toBe('valid');
    expect(ok({ scripts: {}, extra: 1 })).not.toBe('valid');
    expect(ok({ scripts: { on: { measur: 'x' } } })).not.toBe('valid');
    expect(ok({ scripts: { shell: '' } })).not.toBe('valid');
  });

  it('an unknown name exits 2', async () => {
    const unknown = await servo(['schema', 'wizardry'], { cwd: f.elsewhere });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"wizardry" is neither an event nor a connector');
  });
});

describe('servo show', () => {
  it('events: every standard event, and which connectors handle it at which preposition', async () => {
    await writeFiles(f.project, {
      'servo.yaml': `scripts:
  before: { adjust: "true" }
  on: { measure: "true" }
  after: { adjust: "true", measure: "true" }
`,
    });
    const r = await servo(['--config', join(f.project, 'servo.yaml'), '--output', 'json', 'show', 'events'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { event: string; before: string[]; on: string[]; after: string[] }[];
    expect(rows.map((e) => e.event)).toEqual([
      'attach',
      'detach',
      'startup',
      'shutdown',
      'metrics',
      'components',
      'check',
      'describe',
      'measure',
      'adjust',
      'promote',
    ]);
    expect(rows.find((e) => e.event === 'adjust')).toMatchObject({ before: ['scripts'], on: [], after: ['scripts'] });
    expect(rows.find((e) => e.event === 'measure')).toMatchObject({ before: [], on: ['scripts'], after: ['scripts'] });

    const table = await servo(['--config', join(f.project, 'servo.yaml'), 'show', 'events'], { cwd: f.elsewhere });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^EVENT\s+BEFORE\s+ON\s+AFTER\s+DESCRIPTION$/);
    expect(table.stdout).toMatch(/^adjust\s+scripts\s+-\s+scripts\s+Apply new values/m);
  });

  it('connectors: the configured instances with type, version and description', async () => {
    await writeFiles(f.project, {
      'servo.yaml': `connectors:
  hooks: scripts
  more.hooks: scripts
hooks: {}
`,
    });
    const r = await servo(['--config', join(f.project, 'servo.yaml'), 'show', 'connectors'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+VERSION\s+MATURITY\s+DESCRIPTION$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['hooks', 'scripts', '0.1.0', 'stable'],
      ['more.hooks', 'scripts', '0.1.0', 'stable'],
    ]);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
