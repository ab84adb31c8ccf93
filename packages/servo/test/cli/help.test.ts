/**
 * Help that finds everything: `servo --help` lists the connector command groups installed
 * beside servo-core (the workspace has servo-webhooks), `servo help GROUP` and subcommand
 * help show the options that apply, usage errors point at the help of their own command,
 * and mistyped names get a "did you mean". In-process through `runCli` (snapshots of the
 * help texts); the bin as a subprocess where its exit code is the point.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { deadUrl } from '../../../../test-support/index.js';
import { table } from '../../src/cli/output.js';
import { runCli as runCliInProcess } from '../../src/cli/program.js';
import { cliEnv, runCli, servo, useProjectFolders } from './helpers.js';

const f = useProjectFolders('servo-help-');

const WEBHOOKS = `webhooks:
  - name: store_measurements
    events: after:measure
    url: http://127.0.0.1:9/in
    secret: not-a-real-secret-but-long
`;

describe('servo --help', () => {
  it('lists the core commands, the global options, --version and the connector groups', async () => {
    const r = await runCli(['--help'], { cwd: f.elsewhere });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Connector commands:\n {2}webhooks +commands of the webhooks connector$/m);
    expect(r.stdout).toContain('-V, --version');
    expect(r.stdout).toMatchSnapshot();
  });

  it('`servo help` prints the same on stdout and exits 0', async () => {
    const help = await runCli(['help'], { cwd: f.elsewhere });
    const flag = await runCli(['--help'], { cwd: f.elsewhere });
    expect(help).toMatchObject({ code: 0, stderr: '', stdout: flag.stdout });
  });

  it('bare `servo` prints the same help on stderr and exits 2 (a missing command is a usage error)', async () => {
    const bare = await servo([], { cwd: f.elsewhere });
    const flag = await runCli(['--help'], { cwd: f.elsewhere });
    expect(bare).toMatchObject({ code: 2, stdout: '', stderr: flag.stdout });
  });

  it('--version prints what `servo version` prints, exit 0, from the bin', async () => {
    const flag = await servo(['--version'], { cwd: f.elsewhere });
    const command = await servo(['version'], { cwd: f.elsewhere });
    expect(flag).toMatchObject({ code: 0, stderr: '', stdout: command.stdout });
    expect(flag.stdout).toMatch(/^servo \d+\.\d+\.\d+ \(node [\d.]+\)\n$/);
  });
});

describe('command and group help', () => {
  it('`servo help webhooks` and `servo webhooks --help` show the group with the global options', async () => {
    const help = await runCli(['help', 'webhooks'], { cwd: f.elsewhere });
    const flag = await runCli(['webhooks', '--help'], { cwd: f.elsewhere });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(flag.stdout).toBe(help.stdout);
    expect(help.stdout).toMatchSnapshot();
  });

  it('`servo help GROUP COMMAND` is `servo GROUP COMMAND --help`', async () => {
    const help = await runCli(['help', 'webhooks', 'dead'], { cwd: f.elsewhere });
    const flag = await runCli(['webhooks', 'dead', '--help'], { cwd: f.elsewhere });
    expect(help).toMatchObject({ code: 0, stderr: '', stdout: flag.stdout });
    expect(help.stdout).toMatch(/^Usage: servo webhooks dead /);
  });

  it('a subcommand shows its own options and the global ones (--config, --output)', async () => {
    for (const args of [['measure'], ['check'], ['webhooks', 'list']]) {
      const r = await runCli([...args, '--help'], { cwd: f.elsewhere });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Global Options:$/m);
      expect(r.stdout).toContain('-c, --config <file>');
      expect(r.stdout).toContain('-o, --output <format>');
    }
    expect((await runCli(['measure', '--help'], { cwd: f.elsewhere })).stdout).toMatchSnapshot();
  });

  it('`webhooks dead --help` says when the body is printed and shows --limit as the number 50', async () => {
    const r = await runCli(['webhooks', 'dead', '--help'], { cwd: f.elsewhere });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('never the body');
    expect(r.stdout).toContain('(default: 50)');
    expect(r.stdout).toMatchSnapshot();
  });

  it('`webhooks dead --limit` still takes a positive integer only', async () => {
    const r = await runCli(['webhooks', 'dead', '--limit', '0'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit expects a positive integer, got "0"');
  });
});

describe('usage errors point the right way', () => {
  it('a mistyped subcommand of a group names the group and its help', async () => {
    const r = await runCli(['webhooks', 'lst'], { cwd: f.elsewhere });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe("error: unknown command 'lst'\n(Did you mean list?)\n(run `servo webhooks --help` for usage)\n");
  });

  it('a mistyped group is suggested', async () => {
    const r = await runCli(['webhok', 'list'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(Did you mean webhooks?)');
  });

  it('a bad option of a subcommand points at that subcommand’s help', async () => {
    const r = await runCli(['measure', '--durtion', '5s'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(run `servo measure --help` for usage)');
  });

  it('a mistyped event gets a "did you mean", as a mistyped connector does', async () => {
    await writeFile(f.config, WEBHOOKS);
    const schema = await runCli(['schema', 'mesure'], { config: f.config, cwd: f.elsewhere });
    expect(schema.code).toBe(2);
    expect(schema.stderr).toContain('"mesure" is neither an event nor a connector (did you mean "measure"?)');
    const hooks = await runCli(['webhooks', 'schema', 'after:mesure'], { config: f.config, cwd: f.elsewhere });
    expect(hooks.code).toBe(2);
    expect(hooks.stderr).toContain('unknown event "mesure" (did you mean "after:measure"?)');
  });
});

describe('a missing servo.yaml', () => {
  it('from a folder without one: says where it looked', async () => {
    const r = await runCli(['check'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`servo: ${join(f.elsewhere, 'servo.yaml')}: configuration file not found`);
    expect(r.stderr).toContain(`looked for ./servo.yaml in the current folder, ${f.elsewhere}, as neither --config nor SERVO_CONFIG_FILE names a file`);
  });

  it('with --config naming a missing file: mentions the servo.yaml next to it', async () => {
    await writeFile(f.config, WEBHOOKS);
    const named = join(f.project, 'servo.yml');
    const r = await runCli(['--config', named, 'check'], { cwd: f.elsewhere });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `servo: ${named}: configuration file not found (named by --config) (fix: there is ${f.config} next to it: pass --config ${f.config})\n`,
    );
  });
});

describe('tables', () => {
  /** A stdout that says it is a terminal `columns` wide, keeping what is written. */
  const terminal = (columns: number) => {
    const out = new Writable({
      write(chunk, _encoding, done) {
        text.push(String(chunk));
        done();
      },
    });
    const text: string[] = [];
    return Object.assign(out, { isTTY: true, columns, text: () => text.join('') });
  };

  it('`servo check` on a terminal fits 100 columns, wrapping the message and hint; piped, a row is one line', async () => {
    await writeFile(
      f.config,
      `webhooks:\n  - name: store_measurements\n    events: after:measure\n    url: ${await deadUrl()}\n    secret: not-a-real-secret-but-long\n    backoff: false\n`,
    );
    const stdout = terminal(250);
    const stderr = terminal(250);
    const code = await runCliInProcess(['--config', f.config, 'check'], { stdout, stderr, cwd: f.elsewhere, env: cliEnv() });
    expect(code).toBe(1);
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONNECTOR\s+CHECK\s+SEVERITY\s+RESULT\s+MESSAGE\s+HINT$/);
    expect(lines.length).toBeGreaterThan(2);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    // The hint column, read down: the words of the hint, in order.
    const hintAt = lines[0]!.indexOf('HINT');
    expect(
      lines
        .slice(1)
        .map((l) => l.slice(hintAt).trim())
        .join(' '),
    ).toContain('try: servo webhooks trigger ping store_measurements');

    const piped = await runCli(['check'], { config: f.config, cwd: f.elsewhere });
    expect(piped.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('a narrower terminal narrows the table further', () => {
    const long = 'webhook "adjustment_window" network error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9 after 3 attempts';
    const rows = [['webhooks', 'webhook answers at its URL', 'FAILED', long, `try: servo webhooks trigger ping ${'x'.repeat(40)}`]];
    const text = table(['CONNECTOR', 'CHECK', 'RESULT', 'MESSAGE', 'HINT'], rows, { fitTo: terminal(72) });
    expect(
      Math.max(
        ...text
          .trimEnd()
          .split('\n')
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(72);
    expect(text).toMatchSnapshot();
  });

  it('a table that fits is unchanged', () => {
    expect(table(['A', 'B'], [['1', '']], { fitTo: 100 })).toBe('A  B\n1  -\n');
  });
});
