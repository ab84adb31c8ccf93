/**
 * A one-shot command's final drain includes what is published while it runs:
 * a webhook's answer republished on its `response_channel` reaches that
 * channel's webhooks under `servo measure`, as it does under `servo run`.
 * In-process CLI, a receiver on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  asm?.remove();
});

describe('servo measure with a response_channel', () => {
  it.each(['memory', 'sqlite:./store.db'])('delivers the republished answer to the channel’s webhook before exiting (store %s)', async (store) => {
    rx = await startReceiver((req) =>
      req.path === '/source' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"answer": 42}' } : { status: 204 },
    );
    asm = makeAssembly();
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  store: ${store}
  webhooks:
    - name: source
      events: after:measure
      url: ${rx.url('/source')}
      secret: test-secret-value
      response_channel: answers
    - name: sink
      channels: answers
      url: ${rx.url('/sink')}
      secret: test-secret-value
`);
    const run = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code, run.stderr).toBe(0);
    const sink = rx.requests.filter((r) => r.path === '/sink');
    expect(sink).toHaveLength(1);
    expect(sink[0]!.json()).toEqual({ answer: 42 });
  });
});
