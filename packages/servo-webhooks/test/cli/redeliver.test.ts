/**
 * `servo webhooks redeliver`: dead letters and pending deliveries of a real
 * SQLite store sent again with their own ids and bodies, a line per
 * delivery, exit 1 when one fails (it stays where it was). In-process CLI,
 * a receiver on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadUrl, runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
let rx: Receiver;
let status = 400;

const config = (laterUrl: string) => `${SCRIPTS_SECTION}webhooks:
  store: sqlite:./webhooks.db
  drain_timeout: 300ms
  webhooks:
    - name: audit
      events: after:measure
      url: ${rx.url('/audit')}
      secret: a-long-enough-secret-for-tests
    - name: later
      events: after:measure
      url: ${laterUrl}
      secret: a-long-enough-secret-for-tests
      backoff: {max_tries: 100, max_time: 1h}
`;

beforeEach(async () => {
  status = 400;
  rx = await startReceiver(() => ({ status }));
  asm = makeAssembly(config(await deadUrl()));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir });

describe('servo webhooks redeliver', () => {
  it('sends dead letters again with the same ids, then they leave the dead-letter list', async () => {
    expect((await cli('measure')).code).toBe(0);
    expect((await cli('measure')).code).toBe(0);
    const firstIds = rx.requests.map((r) => r.header('webhook-id'));
    expect(firstIds).toHaveLength(2);

    // The receiver still refuses: exit 1, a line each, both kept.
    const refused = await cli('webhooks', 'redeliver', 'audit', '--dead');
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim().split('\n')).toEqual(
      firstIds.map((id) =>
        expect.stringMatching(new RegExp(`^failed {4}${id} after:measure to audit \\(dead letter\\): answered 400; still in the dead-letter list$`)),
      ),
    );
    expect(refused.stderr).toContain('2 of 2 deliveries were not delivered');

    status = 204;
    const sent = await cli('webhooks', 'redeliver', '--dead', '--since', '1h');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^delivered ${firstIds[0]} after:measure to audit \\(dead letter\\) in \\d+ ms \\(204\\)$`, 'm'));
    expect(
      rx.requests
        .slice(-2)
        .map((r) => r.header('webhook-id'))
        .sort(),
    ).toEqual([...firstIds].sort());
    // Byte for byte the body first sent.
    expect(rx.requests.at(-1)!.body.equals(rx.requests.find((r) => r.header('webhook-id') === rx.requests.at(-1)!.header('webhook-id'))!.body)).toBe(true);
    const dead = await cli('--output', 'json', 'webhooks', 'dead');
    expect(JSON.parse(dead.stdout)).toEqual([]);
    expect((await cli('webhooks', 'redeliver', '--dead')).stdout).toBe('nothing to redeliver\n');
  });

  it('sends pending deliveries no servo holds; --id picks one; the choice is required', async () => {
    status = 204;
    expect((await cli('measure')).code).toBe(0); // audit delivered; later pending (its URL refuses connections)
    asm.writeConfig(config(rx.url('/later')));
    const before = rx.requests.length;
    const sent = await cli('--output', 'json', 'webhooks', 'redeliver', 'later', '--pending');
    expect(sent.code).toBe(0);
    const [r] = JSON.parse(sent.stdout) as Record<string, unknown>[];
    expect(r).toMatchObject({ webhook: 'later', event: 'after:measure', from: 'pending', ok: true, status: 204 });
    expect(rx.requests.slice(before).map((q) => q.header('webhook-id'))).toEqual([r!.id]);
    expect((await cli('webhooks', 'redeliver', '--pending')).stdout).toBe('nothing to redeliver\n');

    const unknown = await cli('webhooks', 'redeliver', '--id', 'msg_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no dead or pending delivery msg_nope');
    const neither = await cli('webhooks', 'redeliver');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--id ID, --dead or --pending');
  });
});
