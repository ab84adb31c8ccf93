/**
 * Text a script wrote reaches the terminal with its control characters
 * escaped: a script's stderr in a failure message, a before script's cancel
 * reason. `servo` in-process through `runCli`.
 */
import { describe, expect, it } from 'vitest';
import { ExitCodes } from '../../src/cli/index.js';
import { runCli, script, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-cli-terminal-');
const servo = (...args: string[]) => runCli(args, { config: f.config, cwd: f.elsewhere });

// ESC [31m, OSC title ... BEL, CR, a bidi override, a C1 CSI: all printed by the script.
const HOSTILE = String.raw`denied \033[31mRED\033]0;TITLE\007\rFAKE \342\200\256evil \302\233`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

describe('script text on the terminal', () => {
  it('a failing script’s stderr is shown with control characters escaped, its lines kept', async () => {
    await script(f.project, 'bad.sh', `printf '${HOSTILE}\\nsecond line\\n' >&2; exit 3`);
    await writeFiles(f.project, { 'servo.yaml': 'scripts:\n  on: { metrics: ./bad.sh }\n' });
    const r = await servo('show', 'metrics');
    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain('denied \\u001b[31mRED\\u001b]0;TITLE\\u0007\\u000dFAKE \\u202eevil \\u009b');
    expect(r.stderr).toContain('\nsecond line');
  });

  it('a before script’s cancel reason is one escaped line', async () => {
    await script(f.project, 'gate.sh', `printf '${HOSTILE}\\r\\nservo: adjust succeeded\\n'; exit 100`);
    await script(f.project, 'adjust.sh', `echo '{"components": []}'`);
    await writeFiles(f.project, { 'servo.yaml': 'scripts:\n  before: { adjust: ./gate.sh }\n  on: { adjust: ./adjust.sh }\n' });
    const r = await servo('adjust', 'web.cpu=1');
    expect(r.code).toBe(ExitCodes.failed);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('\\u001b[31mRED');
  });
});
