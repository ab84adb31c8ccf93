/**
 * Events through the built CLI: `servo adjust` cancelled by a before-webhook
 * (the adjust script never runs), `servo measure` delivering its
 * after-webhook before the process exits, and two connector instances.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCRIPTS_SECTION, makeAssembly, type Assembly } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';
import { jsonSchemaProblems } from '../helpers/json-schema.js';
import { sleep, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { signedWith } from '../helpers/verify.js';

const SECRET = 'cli-events-secret';
const REASON = 'Unable to authorize adjustment: Adjustments are only permitted between midnight and 3am.';

let asm: Assembly;
let rx: Receiver;

beforeAll(() => assertBuilt());
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

function gateConfig(url: string, extra = ''): string {
  return `${SCRIPTS_SECTION}
webhooks:
  - name: adjustment_window
    events: before:adjust
    url: ${url}
    secret: \${WEBHOOK_SECRET}
    backoff: false
${extra}`;
}

describe('servo adjust with a before:adjust webhook', () => {
  it('is cancelled by a CancelEventError answer: exit 1, the webhook and the reason on stderr, adjust.sh never ran', async () => {
    rx.respond = () => ({
      status: 200,
      headers: { 'content-type': 'application/vnd.opsani.servo.errors.CancelEventError+json' },
      body: JSON.stringify({ reason: REASON }),
    });
    asm.writeConfig(gateConfig(rx.url('/gate')));
    const run = await runServo(['adjust', 'web.cpu=1'], { config: asm.configFile, cwd: asm.dir, env: { WEBHOOK_SECRET: SECRET } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('adjustment_window');
    expect(run.stderr).toContain(REASON);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(asm.adjustRan()).toBe(false);
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(signedWith(SECRET, req)).toBe(true);
    expect(req.json()).toMatchObject({ event: 'before:adjust', params: { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1 }] } });
  });

  it('proceeds when the gate allows it (adjust.sh runs)', async () => {
    rx.respond = () => ({ status: 204 });
    asm.writeConfig(gateConfig(rx.url('/gate')));
    const run = await runServo(['adjust', 'web.cpu=1'], { config: asm.configFile, cwd: asm.dir, env: { WEBHOOK_SECRET: SECRET } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(asm.adjustRan()).toBe(true);
    expect(rx.requests).toHaveLength(1);
  });

  it('failure_policy fail: an unreachable gate cancels, naming the webhook; ignore: the adjustment proceeds', async () => {
    const down = rx.url('/gate');
    await rx.close(); // nothing listens there any more
    asm.writeConfig(gateConfig(down, '    failure_policy: fail\n'));
    const failed = await runServo(['adjust', 'web.cpu=1'], { config: asm.configFile, cwd: asm.dir, env: { WEBHOOK_SECRET: SECRET } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('webhook "adjustment_window"');
    expect(failed.stderr).toMatch(/failure_policy: fail/);
    expect(asm.adjustRan()).toBe(false);

    asm.writeConfig(gateConfig(down, '    failure_policy: ignore\n'));
    const ignored = await runServo(['adjust', 'web.cpu=1'], { config: asm.configFile, cwd: asm.dir, env: { WEBHOOK_SECRET: SECRET } });
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toContain('adjustment_window'); // the failure is logged
    expect(ignored.stderr).not.toContain(SECRET);
    expect(asm.adjustRan()).toBe(true);
    rx = await startReceiver(); // for afterEach
  });
});

describe('servo adjust while a before-webhook retries', () => {
  it('stays alive through the retry wait and proceeds on the 2xx that follows a 503', async () => {
    rx.respond = (req) => (req.n === 1 ? { status: 503 } : { status: 204 });
    asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: adjustment_window
    events: before:adjust
    url: ${rx.url('/gate')}
    secret: ${SECRET}
    failure_policy: fail
    backoff: {max_tries: 3, max_time: 20s}
`);
    const run = await runServo(['adjust', 'web.cpu=1'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.header('webhook-id')).toBe(rx.requests[0]!.header('webhook-id'));
    expect(asm.adjustRan()).toBe(true);
  });
});

describe('servo measure with an after:measure webhook', () => {
  it('delivers before exiting; the request matches the Content-Type and JSON Schema `servo webhooks schema` prints', async () => {
    let answered = false;
    rx.respond = async () => {
      await sleep(1_000);
      answered = true;
      return { status: 200 };
    };
    asm.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: store_measurements
    events: after:measure
    url: ${rx.url('/measurements')}
    secret: ${SECRET}
    headers:
      - name: x-some-header
        value: some value
`);
    const schemaRun = await runServo(['webhooks', 'schema', 'after:measure'], { config: asm.configFile, cwd: asm.dir });
    expect(schemaRun.code).toBe(0);
    const [ctLine, blank, ...rest] = schemaRun.stdout.split('\n');
    expect(ctLine).toMatch(/^Content-Type: \S/);
    expect(blank).toBe('');
    const contentType = ctLine!.slice('Content-Type: '.length);
    const schema = JSON.parse(rest.join('\n'));

    const run = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('throughput');
    // The process stayed until the receiver had answered.
    expect(answered).toBe(true);
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.abortedAt).toBeUndefined();
    expect(req.header('content-type')).toBe(contentType);
    expect(req.header('x-some-header')).toBe('some value');
    expect(signedWith(SECRET, req)).toBe(true);
    const body = req.json();
    expect(body.results[0]).toMatchObject({ connector: 'scripts', value: { readings: [{ metric: { name: 'throughput' }, value: 1234.5 }] } });
    expect(jsonSchemaProblems(schema, body)).toEqual([]);
  });

  it('two instances (connectors: {hooks_a: webhooks, hooks_b: webhooks}) each deliver with their own secret', async () => {
    const other = await startReceiver();
    try {
      asm.writeConfig(`connectors: {scripts: scripts, hooks_a: webhooks, hooks_b: webhooks}
${SCRIPTS_SECTION}
hooks_a:
  - name: a
    events: after:measure
    url: ${rx.url('/a')}
    secret: secret-a
hooks_b:
  store: memory
  webhooks:
    - name: b
      events: after:measure
      url: ${other.url('/b')}
      secret: secret-b
`);
      const run = await runServo(['measure'], { config: asm.configFile, cwd: asm.dir });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(rx.requests).toHaveLength(1);
      expect(other.requests).toHaveLength(1);
      expect(signedWith('secret-a', rx.requests[0]!)).toBe(true);
      expect(signedWith('secret-b', other.requests[0]!)).toBe(true);
      expect(signedWith('secret-a', other.requests[0]!)).toBe(false);
      expect(rx.requests[0]!.json().webhook.name).toBe('a');
      expect(other.requests[0]!.json().webhook.name).toBe('b');
    } finally {
      await other.close();
    }
  });
});
