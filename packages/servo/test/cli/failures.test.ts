/**
 * How the CLI ends, run in-process through `runCli`: every
 * exit code comes from the ExitCodes table, and failures print one clean
 * message (no stack trace), including when several connectors fail at once.
 */
import { describe, expect, it } from 'vitest';
import { ExitCodes } from '../../src/cli/index.js';
import { installPackage, linkZod } from '../connector/project.js';
import { runCli, script, STACK_LINE, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-cli-failures-');

/** Runs `servo --config <project>/servo.yaml ...args` in this process, from the unrelated folder. */
const servo = (...args: string[]) => runCli(args, { config: f.config, cwd: f.elsewhere });

describe('several connectors failing one event', () => {
  it('exit 1 with one message that lists each connector’s error, without a stack trace', async () => {
    await script(f.project, 'disk.sh', 'echo "disk full" >&2; exit 3');
    await script(f.project, 'backend.sh', 'echo "backend down" >&2; exit 4');
    await script(f.project, 'fine.sh', `echo '[]'`);
    await writeFiles(f.project, {
      'servo.yaml': `connectors:
  disk: scripts
  fine: scripts
  backend: scripts
disk:
  on: { metrics: ./disk.sh }
fine:
  on: { metrics: ./fine.sh }
backend:
  on: { metrics: ./backend.sh }
`,
    });

    const r = await servo('show', 'metrics');

    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('servo: 2 handlers of event "metrics" failed:');
    // Each failure on a line of its own; a script's stderr indented beneath it.
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}on:metrics handler of connector "disk" failed: script "\.\/disk\.sh" .*exited with status 3; stderr:$/),
      '    disk full',
      expect.stringMatching(/^ {2}on:metrics handler of connector "backend" failed: script "\.\/backend\.sh" .*exited with status 4; stderr:$/),
      '    backend down',
    ]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('exit codes', () => {
  it('come from the ExitCodes table: usage and configuration problems are 2, help is 0', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'scripts: {}\n' });
    expect((await servo('adjust', 'not-an-adjustment')).code).toBe(ExitCodes.usage);
    expect((await servo('no-such-command')).code).toBe(ExitCodes.usage);
    expect((await servo('--help')).code).toBe(ExitCodes.ok);
    expect((await servo('validate')).code).toBe(ExitCodes.ok);

    await writeFiles(f.project, { 'servo.yaml': 'scripts: { on: { measur: ./m.sh } }\nunknown: 1\n' });
    const invalid = await servo('validate');
    expect(invalid.code).toBe(ExitCodes.usage);
    // Each configuration problem on its own line, located in the file.
    const problems = invalid.stderr.trimEnd().split('\n');
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const line of problems) expect(line).toMatch(/^servo: .*servo\.yaml:\d+:\d+: /);
  });

  it('a failed check is 1, through the same table', async () => {
    await script(
      f.project,
      'checks.sh',
      `echo '[{"name":"db","id":"db","description":"db","severity":"critical","tags":[],"success":false,"message":"no db","hint":null,"created_at":"2024-05-01T12:00:00Z","run_at":"2024-05-01T12:00:00Z"}]'`,
    );
    await writeFiles(f.project, { 'servo.yaml': 'scripts:\n  on: { check: ./checks.sh }\n' });
    const r = await servo('check');
    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stderr).toBe('servo: 1 of 1 checks failed\n');
  });
});

describe('servo run with a connector whose start hook fails', () => {
  it('exits 1 naming the connector, sends no startup event, and leaves no signal listener behind', async () => {
    await writeFiles(f.project, {
      'package.json': JSON.stringify({ name: 'p', private: true, dependencies: { 'servo-starter': '1.0.0' } }),
      'servo.yaml': 'starter: {}\n',
    });
    await linkZod(f.project);
    await installPackage(
      f.project,
      'servo-starter',
      { starter: './index.js' },
      {
        'index.js': `import { z } from 'zod';
export default {
  type: 'starter',
  metadata: { version: '1.0.0', description: 'fails to start', maturity: 'experimental' },
  config: z.object({}),
  setup(ctx) {
    ctx.on('startup', () => { throw new Error('startup must not go out'); });
    return { start() { throw new Error('the backlog file is unreadable'); } };
  },
};
`,
      },
    );
    const listeners = process.listenerCount('SIGTERM');

    const r = await servo('run');

    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stderr).toContain('servo: connector "starter" failed to start: the backlog file is unreadable\n');
    expect(r.stderr).not.toContain('startup must not go out');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
