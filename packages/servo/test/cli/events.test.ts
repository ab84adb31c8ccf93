/**
 * `servo measure | describe | adjust | show metrics|components` as a
 * subprocess, answered by shell scripts through the built-in `scripts`
 * connector. Scripts run in the folder of servo.yaml; the CLI runs elsewhere.
 */
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exists, read, script, servo, STACK_LINE, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-cli-');

/** Runs the CLI against the project's servo.yaml from the unrelated folder. */
const run = (...args: string[]) => servo(['--config', f.config, ...args], { cwd: f.elsewhere });

describe('servo measure', () => {
  beforeEach(async () => {
    // The value comes from a file the test writes, so the output cannot be canned.
    await script(
      f.project,
      'measure.sh',
      `cat > measure-stdin.json
v=$(cat value.txt)
printf '{"readings":[{"metric":{"name":"throughput","unit":"rps"},"time":"2024-05-01T12:00:00Z","value":%s}],"annotations":{"by":"%s/%s/%s"}}\\n' "$v" "$SERVO_CONNECTOR" "$SERVO_PREPOSITION" "$SERVO_EVENT"`,
    );
    await writeFiles(f.project, { 'servo.yaml': 'scripts:\n  on:\n    measure: ["./measure.sh"]\n' });
  });

  it('prints the readings the script returned as a table', async () => {
    const value = randomInt(1000, 9999) / 10;
    await writeFile(join(f.project, 'value.txt'), String(value));

    const r = await run('measure');

    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONNECTOR\s+METRIC\s+UNIT\s+TIME\s+VALUE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([['scripts', 'throughput', 'rps', '2024-05-01T12:00:00Z', String(value)]]);
    // The parameters reached the script on stdin, control defaults applied.
    expect(JSON.parse(await read(f.project, 'measure-stdin.json'))).toEqual({ control: { duration: '0s', delay: '0s', warmup: '0s' } });
  });

  it('--output json prints the measurement; metric names and --duration reach the script', async () => {
    const value = randomInt(1, 1_000_000);
    await writeFile(join(f.project, 'value.txt'), String(value));

    const r = await servo(['--output', 'json', '--config', f.config, 'measure', 'throughput', 'latency', '--duration', '5s'], { cwd: f.elsewhere });

    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'ok',
      event: 'measure',
      results: [
        {
          connector: 'scripts',
          measurement: {
            readings: [{ metric: { name: 'throughput', unit: 'rps' }, time: '2024-05-01T12:00:00Z', value }],
            annotations: { by: 'scripts/on/measure' },
          },
        },
      ],
    });
    expect(JSON.parse(await read(f.project, 'measure-stdin.json'))).toMatchObject({
      metrics: ['throughput', 'latency'],
      control: { duration: '5s' },
    });
  });

  it('a failing after script does not fail the command: its error is reported as a servo warning', async () => {
    await writeFile(join(f.project, 'value.txt'), '7');
    await writeFiles(f.project, {
      'servo.yaml': 'scripts:\n  on:\n    measure: ["./measure.sh"]\n  after:\n    measure: ["echo audit log unreachable >&2; exit 4"]\n',
    });

    const r = await run('measure');

    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scripts\s+throughput\s+rps\s+\S+\s+7$/m);
    expect(r.stderr).toContain('servo: warning: after:measure handler of connector "scripts" failed');
    expect(r.stderr).toContain('exited with status 4');
    expect(r.stderr).toContain('audit log unreachable');
    expect(r.stderr).not.toContain('(node:');
  });

  it('a script printing an invalid result fails with exit 1, naming the connector and the problem', async () => {
    await writeFile(join(f.project, 'value.txt'), '"not a number"');

    const r = await run('measure');

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('on:measure handler of connector "scripts" failed');
    expect(r.stderr).toContain('printed an invalid result');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe('servo describe', () => {
  const DESCRIPTION = {
    components: [
      {
        name: 'web',
        settings: [
          { name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.25, value: 1, unit: 'cores', pinned: false },
          { name: 'tier', type: 'enum', values: ['small', 'large'], value: 'small', pinned: true },
        ],
      },
    ],
    metrics: [{ name: 'latency', unit: 'ms' }],
  };

  beforeEach(async () => {
    await writeFiles(f.project, {
      'description.json': JSON.stringify(DESCRIPTION),
      'servo.yaml': 'scripts:\n  on:\n    describe: ["cat description.json"]\n',
    });
  });

  it('prints components, settings and metrics from the script', async () => {
    const r = await run('describe');

    expect(r.code).toBe(0);
    const [settings, metrics] = r.stdout.trimEnd().split('\n\n');
    expect(settings!.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['CONNECTOR', 'COMPONENT', 'SETTING', 'TYPE', 'VALUE', 'RANGE', 'PINNED'],
      ['scripts', 'web', 'cpu', 'range', '1', '0.25..4 step 0.25', '-'],
      ['scripts', 'web', 'tier', 'enum', 'small', 'small|large', 'yes'],
    ]);
    expect(metrics!.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['CONNECTOR', 'METRIC', 'UNIT'],
      ['scripts', 'latency', 'ms'],
    ]);
  });

  it('--output json prints the validated description', async () => {
    const r = await servo(['-o', 'json', '-c', f.config, 'describe'], { cwd: f.elsewhere });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ connector: 'scripts', description: DESCRIPTION }]);
  });

  it('named connectors: only they answer; an unknown name exits 2 and lists the configured ones', async () => {
    await writeFiles(f.project, {
      'other.json': JSON.stringify({ components: [{ name: 'other-app' }] }),
      'servo.yaml': `connectors: { scripts: scripts, other: scripts }
scripts:
  on: { describe: ["cat description.json"] }
other:
  on: { describe: ["cat other.json"] }
`,
    });
    const all = await servo(['-o', 'json', '-c', f.config, 'describe'], { cwd: f.elsewhere });
    expect((JSON.parse(all.stdout) as { connector: string }[]).map((r) => r.connector)).toEqual(['scripts', 'other']);

    const one = await servo(['-o', 'json', '-c', f.config, 'describe', 'other'], { cwd: f.elsewhere });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual([{ connector: 'other', description: { components: [{ name: 'other-app', settings: [] }], metrics: [] } }]);

    const typo = await servo(['-c', f.config, 'describe', 'othr'], { cwd: f.elsewhere });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('servo: unknown connector "othr"; configured connectors: scripts, other');
  });
});

describe('servo adjust', () => {
  beforeEach(async () => {
    await script(
      f.project,
      'window.sh',
      `if [ -f window-closed ]; then
  echo "outside the change window (opens at 09:00)"
  echo "this second line is not the reason"
  exit 100
fi`,
    );
    await script(
      f.project,
      'adjust.sh',
      `cat > adjust-stdin.json
touch adjusted.marker
echo '{"components":[{"name":"web","settings":[{"name":"cpu","type":"range","min":0,"max":4,"step":0.5,"value":0.5}]}]}'`,
    );
    await writeFiles(f.project, {
      'servo.yaml': `scripts:
  before:
    adjust: ["./window.sh"]
  on:
    adjust: ["./adjust.sh"]
`,
    });
  });

  it('sends COMPONENT.SETTING=VALUE pairs to the script on stdin (numbers as numbers) and prints them', async () => {
    const r = await run('adjust', 'web.cpu=0.5', 'web.memory=512Mi', 'db.replicas=3');

    expect(r.code).toBe(0);
    expect(JSON.parse(await read(f.project, 'adjust-stdin.json'))).toMatchObject({
      adjustments: [
        { component_name: 'web', setting_name: 'cpu', value: 0.5 },
        { component_name: 'web', setting_name: 'memory', value: '512Mi' },
        { component_name: 'db', setting_name: 'replicas', value: 3 },
      ],
    });
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['COMPONENT', 'SETTING', 'VALUE'],
      ['web', 'cpu', '0.5'],
      ['web', 'memory', '512Mi'],
      ['db', 'replicas', '3'],
      ['adjusted', 'by', 'scripts'],
    ]);
  });

  it('--output json prints the description the script returned', async () => {
    const r = await servo(['-o', 'json', '-c', f.config, 'adjust', 'web.cpu=0.5'], { cwd: f.elsewhere });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'ok',
      results: [{ connector: 'scripts', description: { components: [{ name: 'web', settings: [{ name: 'cpu', value: 0.5 }] }], metrics: [] } }],
    });
  });

  it('cancelled by a before script (exit 100): exit 1, stderr names the connector and the reason, the on script never ran', async () => {
    await writeFile(join(f.project, 'window-closed'), '');

    const r = await run('adjust', 'web.cpu=0.5');

    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('servo: adjust cancelled by scripts: outside the change window (opens at 09:00)\n');
    expect(r.stderr).not.toContain('second line');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(exists(f.project, 'adjusted.marker')).toBe(false);
    expect(exists(f.project, 'adjust-stdin.json')).toBe(false);
  });

  it('a malformed pair exits 2 before anything runs', async () => {
    for (const bad of ['web.cpu', 'webcpu=1', 'web.cpu=', '=1']) {
      const r = await run('adjust', 'web.memory=1Gi', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`servo: cannot read adjustment "${bad}": expected COMPONENT.SETTING=VALUE`);
    }
    expect(exists(f.project, 'adjusted.marker')).toBe(false);
  });

  it('a failing before script (not 100) fails the command with exit 1 and its stderr', async () => {
    await script(f.project, 'window.sh', 'echo "calendar service unreachable" >&2; exit 3');

    const r = await run('adjust', 'web.cpu=1');

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('before:adjust handler of connector "scripts" failed');
    expect(r.stderr).toContain('exited with status 3');
    expect(r.stderr).toContain('calendar service unreachable');
    expect(exists(f.project, 'adjusted.marker')).toBe(false);
  });
});

describe('servo show metrics|components', () => {
  beforeEach(async () => {
    await writeFiles(f.project, {
      'components.json': JSON.stringify([
        {
          name: 'web',
          settings: [
            { name: 'cpu', type: 'range', min: 1, max: 2, step: 1 },
            { name: 'replicas', type: 'range', min: 1, max: 9, step: 1 },
          ],
        },
        { name: 'db', settings: [] },
      ]),
      'servo.yaml': `scripts:
  on:
    metrics: ["echo '[{\\"name\\":\\"latency\\",\\"unit\\":\\"ms\\"},{\\"name\\":\\"errors\\"}]'"]
    components: ["cat components.json"]
`,
    });
  });

  it('metrics: the metrics the connectors can measure', async () => {
    const r = await run('show', 'metrics');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['CONNECTOR', 'METRIC', 'UNIT'],
      ['scripts', 'latency', 'ms'],
      ['scripts', 'errors', '-'],
    ]);
    const j = await servo(['-o', 'json', '-c', f.config, 'show', 'metrics'], { cwd: f.elsewhere });
    expect(JSON.parse(j.stdout)).toEqual([
      { connector: 'scripts', name: 'latency', unit: 'ms' },
      { connector: 'scripts', name: 'errors', unit: '' },
    ]);
  });

  it('components: the components and their settings', async () => {
    const r = await run('show', 'components');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
    ).toEqual([
      ['CONNECTOR', 'COMPONENT', 'SETTINGS'],
      ['scripts', 'web', 'cpu, replicas'],
      ['scripts', 'db', '-'],
    ]);
  });
});
