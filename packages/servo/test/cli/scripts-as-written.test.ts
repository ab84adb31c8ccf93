/**
 * `${VAR}` inside a scripts command is shown as written (`${API_TOKEN}`) by
 * `servo config`, the debug log and failure messages; the command that runs
 * gets the value. `servo` in-process through `runCli`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCodes } from '../../src/cli/index.js';
import { runCli, script, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-cli-verbatim-');
const TOKEN = 'tok-7f3a9c1e5b2d';
// The commands run with the process's environment; the CLI's is the one given to runCli.
beforeEach(() => {
  process.env.API_TOKEN = TOKEN;
});
afterEach(() => {
  delete process.env.API_TOKEN;
});
const servo = (...args: string[]) => runCli(args, { config: f.config, cwd: f.elsewhere, env: { API_TOKEN: TOKEN } });

describe('a scripts command with ${API_TOKEN}', () => {
  beforeEach(async () => {
    await script(f.project, 'fail.sh', 'printf "%s" "$1" > got-token.txt; echo "upstream refused" >&2; exit 3');
    await writeFiles(f.project, { 'servo.yaml': 'scripts:\n  on:\n    metrics: [\'./fail.sh "${API_TOKEN}"\']\n' });
  });

  it('servo config shows it as written', async () => {
    const r = await servo('config');
    expect(r.code).toBe(ExitCodes.ok);
    expect(r.stdout).toContain('./fail.sh "${API_TOKEN}"');
    expect(r.stdout).not.toContain(TOKEN);
  });

  it('a failure message and the debug log show it as written; the command got the value', async () => {
    const r = await servo('--log-level', 'debug', 'show', 'metrics');
    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stderr).toContain('script "./fail.sh \\"${API_TOKEN}\\""');
    expect(r.stderr).toContain('"command":"./fail.sh \\"${API_TOKEN}\\""');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
    expect(await readFile(join(f.project, 'got-token.txt'), 'utf8')).toBe(TOKEN);
  });

  it('an unset variable is still a located error at load', async () => {
    const r = await runCli(['validate'], { config: f.config, cwd: f.elsewhere, env: { API_TOKEN: undefined } });
    expect(r.code).toBe(ExitCodes.usage);
    expect(r.stderr).toMatch(/servo\.yaml:3:\d+.*environment variable API_TOKEN is not set/);
  });
});
