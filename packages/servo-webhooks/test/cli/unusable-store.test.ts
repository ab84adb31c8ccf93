/**
 * An unusable sqlite store is never silent: `servo validate` checks the path
 * (a folder, a device, a read-only folder), `servo run` does not start on a
 * store it cannot open (exit 2), and a command whose deliveries could not be
 * committed exits 1 naming the store's error and the deliveries.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';

let asm: Assembly | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  asm?.remove();
  asm = undefined;
  rx = undefined;
});

function yaml(store: string, url = 'http://127.0.0.1:9/hook'): string {
  return `${SCRIPTS_SECTION}webhooks:
  store: sqlite:${store}
  drain_timeout: 2s
  webhooks:
    - name: sink
      events: after:measure
      url: ${url}
      secret: unusable-store-secret
`;
}

describe('servo validate checks the store path', () => {
  it.each([
    ['a folder', (dir: string) => mkdirSync(join(dir, 'store.db')) ?? './store.db', /store\.db is a folder, not a file/],
    ['a device', () => '/dev/full', /\/dev\/full is not a regular file/],
    ['under a file', (dir: string) => (writeFileSync(join(dir, 'plain'), ''), './plain/sub/store.db'), /cannot be created: .*plain is not a folder/],
  ])('rejects %s, located at the store setting, exit 2', async (_what, make, message) => {
    asm = makeAssembly();
    asm.writeConfig(yaml(make(asm.dir)));
    const r = await runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`${asm.configFile}: webhooks.store: webhook store`);
    expect(r.stderr).not.toContain('unusable-store-secret');
  });

  it('rejects a folder this user cannot write (run as an unprivileged user)', async () => {
    assertBuilt();
    asm = makeAssembly();
    const ro = join(asm.dir, 'ro');
    mkdirSync(ro);
    asm.writeConfig(yaml('./ro/store.db'));
    chmodSync(asm.dir, 0o755);
    chmodSync(ro, 0o555);
    chmodSync(asm.configFile, 0o644);
    const r = await runServo(['validate'], { config: asm.configFile, cwd: asm.dir, user: 'nobody' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/store\.db is in a folder this user cannot write/);
  });
});

describe('a store that cannot be opened', () => {
  it('servo run refuses to start: exit 2, naming the store', async () => {
    asm = makeAssembly();
    writeFileSync(join(asm.dir, 'store.db'), 'this is not a SQLite database, '.repeat(100));
    asm.writeConfig(yaml('./store.db'));
    const r = await runCli(['run'], { config: asm.configFile, cwd: asm.dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/webhook store .*store\.db.*not a database/);
  });

  it('servo measure exits 1 naming the store error and the deliveries that were not stored', async () => {
    rx = await startReceiver();
    asm = makeAssembly();
    writeFileSync(join(asm.dir, 'store.db'), 'this is not a SQLite database, '.repeat(100));
    asm.writeConfig(yaml('./store.db', rx.url()));
    const r = await runCli(['measure'], { config: asm.configFile, cwd: asm.dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 webhook delivery was not stored in .*store\.db, so not sent: .*not a database.*not sent: sink after:measure/);
    expect(rx.requests).toHaveLength(0);
  });
});
