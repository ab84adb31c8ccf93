/**
 * A before-webhook's cancel content type read as media types: every value of
 * a repeated `Content-Type` header, case-insensitive, parameters ignored; any
 * cancel type among them cancels. `servo adjust` in-process, a receiver on
 * 127.0.0.1 writing the header lines itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { useGateProject } from '../helpers/gate.js';

const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';
const CANCELLED = 'application/vnd.opsani.servo.errors.EventCancelledError+json';

const g = useGateProject();

/** Answers 200 with these `Content-Type` header lines, each sent as its own line. */
function answerWith(contentTypes: string[]): void {
  g.rx.handler = (_req, res) => {
    const raw: string[] = [];
    for (const t of contentTypes) raw.push('Content-Type', t);
    res.writeHead(200, raw);
    res.end(JSON.stringify({ reason: 'change freeze' }));
  };
}

describe('a gate answering 200 with a cancel content type', () => {
  it.each([
    ['the cancel type on two header lines', [CANCEL, CANCEL]],
    ['the cancel type after a JSON line', ['application/json', CANCEL]],
    ['mixed case with parameters', [`${CANCEL.toUpperCase()} ;  charset=UTF-8`]],
    ['EventCancelledError+json, repeated, with a quoted comma in a parameter', [`${CANCELLED}; note="a, b"`, CANCELLED]],
  ])('%s cancels the adjustment', async (_what, types) => {
    answerWith(types);
    const run = await runCli(['adjust', 'web.cpu=1'], { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect(run.stderr).toContain('change freeze');
    expect(run.code).toBe(1);
    expect(g.asm.adjustRan()).toBe(false);
    expect(g.rx.requests).toHaveLength(1);
  });

  it('a JSON answer without a cancel type lets it proceed', async () => {
    g.rx.handler = undefined;
    g.rx.respond = () => ({ status: 204 });
    const run = await runCli(['adjust', 'web.cpu=1'], { config: g.asm.configFile, cwd: g.asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect(run.code).toBe(0);
    expect(g.asm.adjustRan()).toBe(true);
  });
});
