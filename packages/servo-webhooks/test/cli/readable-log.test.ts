/**
 * Output a person can read: the attempt line as a sentence with
 * `--log-format pretty`, unchanged JSON lines with `--log-format json`, and
 * the choice made by whether stderr is a terminal (a pseudo-terminal from
 * util-linux `script`). In-process CLI except for the terminal case; a
 * receiver on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliEnv, runCli, SERVO_BIN, skipWithout, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt } from '../helpers/cli.js';

let asm: Assembly;
let rx: Receiver;

beforeEach(async () => {
  asm = makeAssembly();
  // The first request of each test fails with 503, the next ones succeed.
  rx = await startReceiver((req) => (req.n === 1 ? { status: 503 } : { status: 204 }));
  asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  - name: store_measurements
    events: after:measure
    url: ${rx.url('/hook')}
    secret: a-long-enough-secret-for-tests
    backoff: {max_tries: 3, max_time: 1m}
`);
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'info' } });

describe('--log-format', () => {
  it('pretty: a retry and a delivery read as sentences, with the delivery id', async () => {
    const run = await cli('--log-format', 'pretty', 'measure');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}\[webhooks\] retrying after:measure to store_measurements in [\d.]+ (ms|s) \(503, attempt 1 of 3\) id=msg_\w+$/m,
    );
    expect(run.stderr).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[webhooks\] delivered after:measure to store_measurements in \d+ ms \(204\) id=msg_\w+$/m);
    expect(run.stderr).not.toMatch(/^\{/m);
  });

  it('json: the same lines as JSON, fields unchanged', async () => {
    const run = await cli('--log-format', 'json', 'measure');
    expect(run.code).toBe(0);
    const lines = run.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === 'webhook attempt').map((l) => [l.outcome, l.status, l.attempt, l.max_tries])).toEqual([
      ['retry', 503, 1, 3],
      ['delivered', 204, 2, 3],
    ]);
  });

  it('a log format that does not exist is a usage error', async () => {
    const run = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_FORMAT: 'xml' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"xml" is not a log format; use one of pretty, json');
  });
});

describe.skipIf(skipWithout('script', ['--version']))('stderr on a terminal', () => {
  // Not spawnSync: the receiver answers from this process's event loop.
  const exec = promisify(execFile);
  it('logs readable lines by default; JSON lines when stderr is a pipe', async () => {
    assertBuilt();
    const command = `node ${SERVO_BIN} --config ${asm.configFile} --log-level info measure`;
    const env = { ...cliEnv(), TERM: 'dumb' };
    // `script` runs the command on a pseudo-terminal: stdout and stderr are a tty.
    const tty = await exec('script', ['-qec', command, '/dev/null'], { cwd: asm.dir, env, timeout: 30_000 });
    expect(tty.stdout).toMatch(/INFO {2}\[webhooks\] delivered after:measure to store_measurements in \d+ ms \(204\)/);
    const piped = await exec('sh', ['-c', command], { cwd: asm.dir, env, timeout: 30_000 });
    expect(piped.stderr).toMatch(/^\{.*"msg":"webhook attempt"/m);
  });
});
