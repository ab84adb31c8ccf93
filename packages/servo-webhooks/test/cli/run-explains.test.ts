/**
 * `servo run` explains itself: `servo run --help` says what run does with
 * and without an optimizer, and a starting servo logs its connectors, each
 * webhook (events or channels, URL with credentials masked, failure policy),
 * the store with its pending backlog, and that no optimizer drives it. The
 * built bin as a subprocess (run lasts until a signal); a real sqlite file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finished, runCli, runServoUntil, startServo } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt } from '../helpers/cli.js';

const PASSWORD = 'p4ss-never-shown';
let asm: Assembly;

beforeEach(() => {
  asm = makeAssembly(`name: shop
${SCRIPTS_SECTION}webhooks:
  store: sqlite:./webhooks.db
  webhooks:
    - name: adjustment_window
      events: before:adjust
      url: http://gate:${PASSWORD}@127.0.0.1:9/gate
      secret: a-long-enough-secret-for-tests
      failure_policy: ignore
      deadline: 5s
    - name: store_measurements
      events: after:measure
      channels: [metrics.*]
      url: http://127.0.0.1:9/store?token=${PASSWORD}
      secret: a-long-enough-secret-for-tests
      backoff: false
`);
});
afterEach(() => asm.remove());

describe('servo run', () => {
  it('--help says what it does with an optimizer and without one (nothing triggers measure or adjust)', async () => {
    const help = await runCli(['run', '--help'], { cwd: asm.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('With an optimizer');
    expect(help.stdout).toMatch(/Without one, run dispatches startup, serves pub\/sub channels and webhooks \(resuming the\s+backlog a sqlite store kept\)/);
    expect(help.stdout).toMatch(/Nothing triggers measure or\s+adjust then: run them yourself, e.g. from cron/);
  });

  it('logs readably at start what it serves: connectors, webhooks, store and backlog, no optimizer', async () => {
    assertBuilt();
    const run = await runServoUntil(['--log-format', 'pretty', 'run'], 'no optimizer is configured', { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(lines).toContain(
      'INFO  [webhooks] webhook adjustment_window: before:adjust -> http://***@127.0.0.1:9/gate (gate: failure_policy ignore, deadline 5s; up to 3 tries within 5m)',
    );
    expect(lines).toContain(
      'INFO  [webhooks] webhook store_measurements: after:measure, channel:metrics.* -> http://127.0.0.1:9/store?token=*** (one try, no retries)',
    );
    expect(lines).toContain('INFO  [webhooks] webhook store sqlite:./webhooks.db: no deliveries pending');
    expect(lines).toContain('INFO  servo shop running with connectors scripts, webhooks');
    expect(run.stderr).toMatch(
      /INFO {2}no optimizer is configured .*nothing triggers measure or adjust \(run `servo measure` or `servo adjust` for that, e.g. from cron\)/,
    );
    expect(run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).not.toMatch(/^\{/m);
  });
});

describe('with an optimizer', () => {
  it('says which optimizer drives the loop', async () => {
    assertBuilt();
    const child = startServo(['--log-format', 'pretty', 'run', '--optimizer', 'example.com/shop', '--base-url', 'http://127.0.0.1:9'], {
      config: asm.configFile,
      cwd: asm.dir,
    });
    const done = finished(child, 30_000);
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('driving the optimization loop')) resolve();
      });
      child.once('exit', () => reject(new Error(`servo run exited early:\n${seen}`)));
    });
    // Only the start-up line matters here: no need to wait for the loop's shutdown.
    child.kill('SIGKILL');
    const run = await done;
    expect(run.stderr).toMatch(/INFO {2}driving the optimization loop of example\.com\/shop at http:\/\/127\.0\.0\.1:9\/\S+/);
    expect(run.stderr).not.toContain('no optimizer is configured');
  });
});

describe('a backlog in a sqlite store', () => {
  it('a one-shot command leaving deliveries pending says so at exit, and servo run says it resumes them', async () => {
    asm.writeConfig(`name: shop
${SCRIPTS_SECTION}webhooks:
  store: sqlite:./webhooks.db
  drain_timeout: 300ms
  webhooks:
    - name: store_measurements
      events: after:measure
      url: http://127.0.0.1:9/store
      secret: a-long-enough-secret-for-tests
      backoff: {max_tries: 100, max_time: 1h}
`);
    // Default log level and format of a one-shot command (warn, JSON lines when not a terminal).
    const measure = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(measure.code).toBe(0);
    const left = measure.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'webhook deliveries left pending');
    expect(left).toMatchObject({ level: 40, pending: 1, store: './webhooks.db' });
    // The count is the store's: the first command's delivery is still there.
    const pretty = await runCli(['--log-format', 'pretty', 'measure'], { config: asm.configFile, cwd: asm.dir });
    expect(pretty.stderr).toMatch(
      /WARN {2}\[webhooks\] 2 webhook deliveries pending in \.\/webhooks\.db: the next servo run delivers them, or servo webhooks redeliver --pending sends them now/,
    );

    assertBuilt();
    const run = await runServoUntil(['--log-format', 'pretty', 'run'], 'servo shop running', { config: asm.configFile, cwd: asm.dir });
    expect(run.stderr).toMatch(/INFO {2}\[webhooks\] webhook store sqlite:\.\/webhooks\.db: 2 deliveries pending, resumed/);
  });
});
