/**
 * Configuration servo-webhooks 0.3 (Python) accepted loads unchanged, through
 * the CLI in-process: its `generate` output as quoted in its README (a name
 * with a space, `channels: []`, `response_channel: null`, `headers: {}`), and
 * `wire`, whose wrong value is a located error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';
import { signedWith } from '../helpers/verify.js';

/** servo-webhooks 0.3's `servo generate` output, byte for byte. */
const ORIGINAL_GENERATE = `webhooks:
  - name: My Webhook
    description: Listens for after:measure events and sends an email
    events:
      - after:measure
    channels: []
    response_channel: null
    url: https://example.com/
    secret: s3cr3t!
    headers: {}
    backoff:
      max_time: 3m
      max_tries: 12
`;

let asm: Assembly;
let rx: Receiver;
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});
const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });

describe("servo-webhooks 0.3's configuration", () => {
  it('its generate output passes servo validate unchanged, and servo config shows it without the secret', async () => {
    asm.writeConfig(ORIGINAL_GENERATE);
    const run = await cli('validate');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const config = await cli('config');
    expect(config.code).toBe(0);
    expect(config.stdout).toContain('My Webhook');
    expect(config.stdout).not.toContain('s3cr3t!');
  });

  it('a webhook named with spaces sends, and is named on the command line', async () => {
    asm.writeConfig(ORIGINAL_GENERATE.replace('https://example.com/', rx.url('/old')));
    const run = await cli('webhooks', 'trigger', 'after:measure', 'My Webhook');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.json()).toMatchObject({ event: 'after:measure', webhook: { name: 'My Webhook' } });
    expect(signedWith('s3cr3t!', rx.requests[0]!)).toBe(true);
  });

  it('wire: legacy sends the original content type; a wrong wire or a name with an outer space is a located error', async () => {
    asm.writeConfig(`${ORIGINAL_GENERATE.replace('https://example.com/', rx.url('/old'))}    wire: legacy\n`);
    expect((await cli('webhooks', 'trigger', 'after:measure')).code).toBe(0);
    expect(rx.requests[0]!.header('content-type')).toBe('application/vnd.opsani.servo-webhooks+json');
    expect(rx.requests[0]!.body.toString()).toMatch(/^\{"id": "msg_/);

    asm.writeConfig(`${ORIGINAL_GENERATE}    wire: python\n`);
    const bad = await cli('validate');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/servo\.yaml:14:\d+/);
    expect(bad.stderr).toContain('webhooks[0].wire');
    expect(bad.stderr).toContain('"standard" or "legacy"');

    asm.writeConfig(ORIGINAL_GENERATE.replace('name: My Webhook', 'name: "My Webhook "'));
    const spaced = await cli('validate');
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain('webhooks[0].name');
  });

  it('a webhook with neither events nor channels (channels: []) is still an error', async () => {
    asm.writeConfig(ORIGINAL_GENERATE.replace('    events:\n      - after:measure\n', ''));
    const run = await cli('validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('a webhook needs `events`');
  });
});
