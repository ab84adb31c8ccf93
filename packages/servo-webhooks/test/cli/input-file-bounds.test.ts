/**
 * Files read on an operator's word are regular files of bounded size:
 * `ca_file: /dev/zero`, `trigger --data /dev/zero` and a servo.yaml past
 * 4 MiB are clear errors, not reads without end. In-process CLI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly();
});
afterEach(() => asm.remove());

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir });

describe('bounded input files', () => {
  it('ca_file: /dev/zero is a located error', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:\n  ca_file: /dev/zero\n  webhooks:\n    - {events: after:measure, url: "https://127.0.0.1:9/x", secret: s}\n`);
    const run = await cli('validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/webhooks\.ca_file: CA file \/dev\/zero is not a regular file/);
  });

  it('trigger --data /dev/zero and a file past 4 MiB are usage errors', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:\n  - {name: hook, events: after:measure, url: "http://127.0.0.1:9/x", secret: s}\n`);
    const zero = await cli('webhooks', 'trigger', 'after:measure', 'hook', '--data', '/dev/zero');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/cannot read --data \/dev\/zero: it is not a regular file/);
    const big = join(asm.dir, 'big.json');
    writeFileSync(big, `{"pad": "${'x'.repeat(5 * 1024 * 1024)}"}`);
    const huge = await cli('webhooks', 'trigger', 'after:measure', 'hook', '--data', big);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/the most read is 4194304 \(4 MiB\)/);
  });

  it('a servo.yaml past 4 MiB is refused at once, naming the size', async () => {
    asm.writeConfig(`${SCRIPTS_SECTION}# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const run = await cli('validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the configuration file is \d+ bytes; the most servo reads is 4194304 \(4 MiB\)/);
    expect(run.durationMs).toBeLessThan(2000);
  });
});
