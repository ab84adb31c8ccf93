/**
 * `match:` conditions (CEL) through the CLI in-process, with a receiver on
 * 127.0.0.1: a gate consulted only when its expression holds, compile errors
 * located in servo.yaml (exit 2), a failing expression under the gate's
 * failure_policy, an after-webhook skipped with a warning, the decision at debug.
 */
import { describe, expect, it } from 'vitest';
import { Message } from 'servo-core';
import { runCli } from '../../../../test-support/index.js';
import { useGateProject } from '../helpers/gate.js';
import { webhooksServo } from '../helpers/servo.js';

const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';
const g = useGateProject(() => ({ status: 200, headers: { 'content-type': CANCEL }, body: JSON.stringify({ reason: 'no replicas today' }) }), {
  written: false,
});
const cli = (args: string[], level = 'warn') => runCli(args, { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: level } });
const REPLICAS = `    match: "params.adjustments.exists(a, a.setting_name == 'replicas')"\n`;

describe('match conditions', () => {
  it('a gate whose expression does not hold is not consulted; one that holds is, and cancels', async () => {
    g.write(REPLICAS);
    const cpu = await cli(['adjust', 'web.cpu=1'], 'debug');
    expect(cpu.code).toBe(0);
    expect(g.rx.requests).toHaveLength(0);
    expect(g.asm.adjustRan()).toBe(true);
    expect(cpu.stderr).toContain('webhook \\"window\\" skipped by its match condition');

    const replicas = await cli(['adjust', 'web.replicas=3']);
    expect(replicas.code).toBe(1);
    expect(replicas.stderr).toContain('no replicas today');
    expect(g.rx.requests).toHaveLength(1);
    expect(g.rx.requests[0]!.json().params.adjustments[0].setting_name).toBe('replicas');
  });

  it('a syntax error and a type error are located config errors, exit 2', async () => {
    g.write('    match: "params.adjustments.exists(a, a.setting_name == "\n');
    const syntax = await cli(['validate']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/servo\.yaml:12:\d+: webhooks\[0\]\.match: syntax error in the CEL expression: .* \(column \d+\)/);
    g.write('    match: "event + 1 == 2"\n');
    const type = await cli(['adjust', 'web.cpu=1']);
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('webhooks[0].match: type error in the CEL expression');
    expect(g.asm.adjustRan()).toBe(false);
    g.write('    match: "event"\n');
    expect((await cli(['validate'])).stderr).toContain('the expression gives a string, not a bool');
  });

  it('an expression that fails at run time follows failure_policy: fail cancels, ignore proceeds with a warning', async () => {
    g.write('    match: "params.nope == 1"\n');
    const fail = await cli(['adjust', 'web.cpu=1']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('webhook "window": its match expression failed: No such key: nope (column 8) (failure_policy: fail)');
    expect(g.asm.adjustRan()).toBe(false);
    g.write('    match: "params.nope == 1"\n    failure_policy: ignore\n');
    const ignore = await cli(['adjust', 'web.cpu=1']);
    expect(ignore.code).toBe(0);
    expect(ignore.stderr).toContain('failure_policy: ignore');
    expect(g.rx.requests).toHaveLength(0);
  });

  it('an after-webhook: results are a variable; a failing expression skips the delivery with a warning', async () => {
    const after = (match: string) =>
      g.asm.writeConfig(`scripts:
  on:
    measure: [./measure.sh]
webhooks:
  - name: store
    events: after:measure
    url: ${g.rx.url('/store')}
    secret: s
    backoff: false
    match: "${match}"
`);
    after("results.exists(r, r.value.readings.exists(x, x.value > 1000.0)) && event == 'after:measure'");
    expect((await cli(['measure'])).code).toBe(0);
    expect(g.rx.requests).toHaveLength(1);
    after('results[0].value.readings[0].value > 2000.0');
    expect((await cli(['measure'])).code).toBe(0);
    expect(g.rx.requests).toHaveLength(1);
    after('results[5].value == 1');
    const failed = await cli(['measure']);
    expect(failed.code).toBe(0);
    expect(failed.stderr).toContain('its match expression failed');
    expect(failed.stderr).toContain('delivery skipped');
    expect(g.rx.requests).toHaveLength(1);
  });

  it('a channel webhook sees message: channel, content type and JSON content', async () => {
    const { servo } = await webhooksServo([
      {
        name: 'hot',
        channels: ['metrics.*'],
        url: g.rx.url('/hot'),
        secret: 's',
        match: "message.content_type == 'application/json' && message.content.cpu > 0.9",
      },
    ]);
    try {
      await servo.start();
      await servo.exchange.publish('metrics.cpu', Message.json({ cpu: 0.5 }));
      await servo.exchange.publish('metrics.cpu', Message.json({ cpu: 0.95 }));
      await servo.exchange.publish('metrics.raw', Message.text('cpu 0.99'));
      await g.rx.waitFor(1);
    } finally {
      await servo.close();
    }
    expect(g.rx.requests.map((r) => r.json().cpu)).toEqual([0.95]);
  });

  it('servo config shows the expression as written', async () => {
    g.write(REPLICAS);
    const run = await cli(['config']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("match: params.adjustments.exists(a, a.setting_name == 'replicas')");
  });
});
