/**
 * Channel deliveries a store refuses fail the command like an after-event's:
 * `servo measure` exits 1 naming the store's error and the channel deliveries.
 * Instance "webhooks" (memory) republishes its answer on `answers`; instance
 * "more" subscribes to it through a store that cannot be opened.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  asm?.remove();
});

describe('a channel delivery the store refuses', () => {
  it('servo measure exits 1 naming the store error and the channel delivery', async () => {
    rx = await startReceiver((req) =>
      req.path === '/source' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"answer": 42}' } : { status: 204 },
    );
    asm = makeAssembly();
    writeFileSync(join(asm.dir, 'store.db'), 'this is not a SQLite database, '.repeat(100));
    // "more" is listed first, so it closes last (connectors close in reverse order): the answer reaches it.
    asm.writeConfig(`connectors:
  more: webhooks
  webhooks: webhooks
  scripts: scripts
${SCRIPTS_SECTION}webhooks:
  webhooks:
    - name: source
      events: after:measure
      url: ${rx.url('/source')}
      secret: channel-uncommitted-secret
      response_channel: answers
more:
  store: sqlite:./store.db
  webhooks:
    - name: sink
      channels: answers
      url: ${rx.url('/sink')}
      secret: channel-uncommitted-secret
`);
    const run = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/1 webhook delivery was not stored in .*store\.db, so not sent: .*not a database.*not sent: sink channel:answers/);
    expect(rx.requests.filter((r) => r.path === '/sink')).toHaveLength(0);
  });
});
