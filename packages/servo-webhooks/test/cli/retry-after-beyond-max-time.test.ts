/**
 * A `Retry-After` beyond the webhook's `max_time` gives up after one attempt
 * and says why, in the attempt's log line and in the dead letter, instead of
 * a bare "failed". `servo measure` in-process, a receiver on 127.0.0.1.
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

describe('Retry-After beyond max_time', () => {
  it('dead-letters after one attempt, naming the Retry-After and max_time', async () => {
    rx = await startReceiver(() => ({ status: 503, headers: { 'retry-after': '999999999' }, body: 'busy' }));
    asm = makeAssembly();
    asm.writeConfig(`${SCRIPTS_SECTION}webhooks:
  store: sqlite:./store.db
  webhooks:
    - name: sink
      events: after:measure
      url: ${rx.url()}
      secret: test-secret-value
      backoff:
        max_tries: 5
        max_time: 5m
`);
    const run = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(run.stderr).toMatch(/failed.*Retry-After 277777h46m39s exceeds max_time 5m|Retry-After 277777h46m39s exceeds max_time 5m.*failed/);
    const dead = await runCli(['webhooks', 'dead', '--output', 'json'], { config: asm.configFile, cwd: asm.dir });
    expect(dead.stdout).toContain('not retried: Retry-After 277777h46m39s exceeds max_time 5m');
  });
});
