/**
 * `servo webhooks list --stats` and `servo webhooks dead` through the built
 * CLI, against a SQLite store filled by a real `servo run`: a connector
 * package publishes messages, one webhook's receiver answers 400 (dead
 * letters), another webhook's URL refuses connections (still pending when the
 * servo stops), a third accepts everything.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAssembly } from '../helpers/assembly.js';
import { assertBuilt, runServo, type CliRun } from '../helpers/cli.js';
import { deadUrl, startReceiver, type Receiver, type RecordedRequest } from '../../../../test-support/index.js';
import { makeLoadProject, PUBLISH_ENV, type LoadProject } from '../durability/project.js';
import { readStore, startServoRun, until } from '../durability/processes.js';

const SECRET = 'Stats-Secret-Never-Printed-42';
const TOKEN = 'tok-never-printed-9';
const REJECTED = 3; // messages on a.*: each dead-lettered by `rejected`
const UNREACHABLE = 5; // messages on b.*: each still pending for `unreachable`

let r: Receiver;
let p: LoadProject;
let live: CliRun;
const at = (path: string): RecordedRequest[] => r.requests.filter((x) => x.path.startsWith(path));

beforeAll(async () => {
  assertBuilt();
  r = await startReceiver((req) => (req.path.startsWith('/bad') ? { status: 400, body: 'no such account' } : { status: 204 }));
  p = makeLoadProject(`connectors:
  loadgen: loadgen
  hooks: webhooks
  mem: webhooks
loadgen:
  publish:
    - {channel: a, count: ${REJECTED}}
    - {channel: b, count: ${UNREACHABLE}}
hooks:
  store: sqlite:./state/webhooks.db
  drain_timeout: 300ms
  webhooks:
    - name: rejected
      channels: [a.*]
      url: ${r.url(`/bad?token=${TOKEN}`)}
      secret: ${SECRET}
    - name: unreachable
      channels: [b.*]
      url: ${await deadUrl()}
      secret: ${SECRET}
      backoff: {max_tries: 100, max_time: 10m}
    - name: accepted
      channels: [a.*, b.*]
      url: ${r.url('/ok')}
      secret: ${SECRET}
mem:
  - name: memory_hook
    channels: [a.*]
    url: ${r.url('/mem')}
    secret: ${SECRET}
`);
  const run = startServoRun(p.configFile, p.dir, PUBLISH_ENV);
  const db = p.path('state/webhooks.db');
  await until(
    () => p.published() && at('/ok').length === REJECTED + UNREACHABLE && at('/mem').length === REJECTED && existsSync(db) && readStore(db).dead === REJECTED,
    () => `the run to settle (receiver: ${r.requests.length} requests); stderr: ${run.stderr().slice(-2000)}`,
    20_000,
  );
  // Read while the servo still holds the file.
  live = await runServo(['--output', 'json', 'webhooks', 'list', '--stats'], { config: p.configFile, cwd: p.dir });
  run.child.kill('SIGTERM');
  expect(await run.exited).toEqual({ code: 0, signal: null });
}, 40_000);

afterAll(async () => {
  await r?.close();
  p?.remove();
});

function cli(...args: string[]): Promise<CliRun> {
  return runServo(args, { config: p.configFile, cwd: p.dir });
}

function expectNoSecrets(run: CliRun): void {
  expect(run.stdout + run.stderr).not.toContain(SECRET);
  expect(run.stdout + run.stderr).not.toContain(TOKEN);
}

describe('servo webhooks list --stats', () => {
  it('prints PENDING, DEAD and DISABLED per webhook from the sqlite store, unknown (-) for the memory store', async () => {
    const run = await cli('webhooks', 'list', '--stats');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CONNECTOR\s+NAME\s+EVENTS\s+URL\s+POLICY\s+RETRIES\s+TIMEOUT\s+PENDING\s+DEAD\s+DISABLED$/);
    const row = (name: string): string => lines.find((l) => l.split(/\s+/)[1] === name) ?? `(no row for ${name})`;
    expect(row('rejected')).toMatch(/^hooks\s.*\s0\s+3\s+no$/);
    expect(row('unreachable')).toMatch(/^hooks\s.*\s5\s+0\s+no$/);
    expect(row('accepted')).toMatch(/^hooks\s.*\s0\s+0\s+no$/);
    expect(row('memory_hook')).toMatch(/^mem\s.*\s-\s+-\s+-$/);
    expect(run.stderr).toMatch(/counts need `store: sqlite:PATH`/);
    expectNoSecrets(run);
  });

  it('--output json: pending, dead and store per webhook; null when the store cannot tell', async () => {
    const run = await cli('--output', 'json', 'webhooks', 'list', '--stats');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    const pick = (x: Record<string, unknown>) => ({ connector: x.connector, name: x.name, store: x.store, pending: x.pending, dead: x.dead });
    expect(rows.map(pick)).toEqual([
      { connector: 'hooks', name: 'rejected', store: 'sqlite:./state/webhooks.db', pending: 0, dead: REJECTED },
      { connector: 'hooks', name: 'unreachable', store: 'sqlite:./state/webhooks.db', pending: UNREACHABLE, dead: 0 },
      { connector: 'hooks', name: 'accepted', store: 'sqlite:./state/webhooks.db', pending: 0, dead: 0 },
      { connector: 'mem', name: 'memory_hook', store: 'memory', pending: null, dead: null },
    ]);
    expectNoSecrets(run);
  });

  it('reads the store while `servo run` holds it open', () => {
    expect(live.code).toBe(0);
    const rows = JSON.parse(live.stdout) as { name: string; pending: number | null; dead: number | null }[];
    expect(rows.find((x) => x.name === 'unreachable')).toMatchObject({ pending: UNREACHABLE, dead: 0 });
    expect(rows.find((x) => x.name === 'rejected')).toMatchObject({ pending: 0, dead: REJECTED });
  });

  it('without --stats prints no counts', async () => {
    const run = await cli('--output', 'json', 'webhooks', 'list');
    expect(run.code).toBe(0);
    for (const row of JSON.parse(run.stdout) as Record<string, unknown>[]) {
      expect(row).not.toHaveProperty('pending');
      expect(row).not.toHaveProperty('dead');
    }
  });

  it('counts a store file that does not exist yet as empty, and does not create it', async () => {
    const asm = makeAssembly(`webhooks:
  store: sqlite:./never/created.db
  webhooks:
    - {name: fresh, events: after:measure, url: 'http://127.0.0.1:9/x', secret: ${SECRET}}
`);
    try {
      const run = await runServo(['--output', 'json', 'webhooks', 'list', '--stats'], { config: asm.configFile, cwd: asm.dir });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject([{ name: 'fresh', store: 'sqlite:./never/created.db', pending: 0, dead: 0 }]);
      expect(existsSync(`${asm.dir}/never`)).toBe(false);
    } finally {
      asm.remove();
    }
  });
});

describe('servo webhooks dead', () => {
  type DeadRow = {
    id: string;
    connector: string | null;
    webhook: string;
    event: string;
    failed_at: string;
    created_at: string;
    attempts: number;
    error: string;
    content_type: string;
    body?: string;
  };

  it('lists id, webhook, event, failed_at and error of each dead letter; never the body or the secret', async () => {
    const run = await cli('webhooks', 'dead');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+WEBHOOK\s+EVENT\s+FAILED_AT\s+ATTEMPTS\s+ERROR$/);
    expect(lines).toHaveLength(1 + REJECTED);
    const sent = new Set(at('/bad').map((x) => x.header('webhook-id')));
    for (const line of lines.slice(1)) {
      const [id, webhook, event, failedAt, attempts, ...error] = line.split(/\s+/);
      expect(sent.has(id)).toBe(true);
      expect(webhook).toBe('rejected');
      expect(event).toMatch(/^channel:a\.[0-2]$/);
      expect(Number.isNaN(Date.parse(failedAt!))).toBe(false);
      expect(attempts).toBe('1'); // a 400 is not retried
      expect(error.join(' ')).toMatch(/400/);
    }
    for (const x of at('/bad')) expect(run.stdout).not.toContain(x.body.toString('utf8'));
    expectNoSecrets(run);
  });

  it('--output json has the same entries, newest first, without the body unless --body', async () => {
    const run = await cli('--output', 'json', 'webhooks', 'dead');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as DeadRow[];
    const sent = new Map(at('/bad').map((x) => [x.header('webhook-id')!, x]));
    expect(rows.map((x) => x.id).sort()).toEqual([...sent.keys()].sort());
    for (const row of rows) {
      expect(row).not.toHaveProperty('body');
      expect(row).toMatchObject({
        connector: 'hooks',
        webhook: 'rejected',
        event: sent.get(row.id)!.header('x-servo-event'),
        attempts: 1,
        content_type: 'application/json',
      });
      expect(row.error).toMatch(/400/);
    }
    const failedAt = rows.map((x) => Date.parse(x.failed_at));
    expect(failedAt).toEqual([...failedAt].sort((a, b) => b - a));
    expectNoSecrets(run);

    const withBody = await cli('--output', 'json', 'webhooks', 'dead', '--body');
    expect(withBody.code).toBe(0);
    for (const row of JSON.parse(withBody.stdout) as DeadRow[]) expect(row.body).toBe(sent.get(row.id)!.body.toString('utf8'));
    expectNoSecrets(withBody);
  });

  it('NAME and --limit narrow the list', async () => {
    const two = await cli('--output', 'json', 'webhooks', 'dead', 'rejected', '--limit', '2');
    expect(two.code).toBe(0);
    const all = JSON.parse((await cli('--output', 'json', 'webhooks', 'dead')).stdout) as DeadRow[];
    const picked = JSON.parse(two.stdout) as DeadRow[];
    expect(picked).toHaveLength(2);
    // The newest two (entries failed in the same millisecond may come in either order).
    const left = all.filter((x) => !picked.some((y) => y.id === x.id));
    expect(left).toHaveLength(REJECTED - 2);
    for (const x of left) for (const y of picked) expect(Date.parse(y.failed_at)).toBeGreaterThanOrEqual(Date.parse(x.failed_at));

    const none = await cli('webhooks', 'dead', 'unreachable');
    expect(none.code).toBe(0);
    expect(none.stdout.trim().split('\n')).toHaveLength(1); // the header
    expect(none.stderr).toMatch(/no dead-letter entries for webhook "unreachable"/);
  });

  it('rejects an unknown webhook, a bad --limit and --body without JSON (exit 2)', async () => {
    const unknown = await cli('webhooks', 'dead', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no webhook named "nope".*configured: rejected, unreachable, accepted, memory_hook/);
    for (const bad of ['0', '-3', 'ten', '1.5']) {
      const run = await cli('webhooks', 'dead', `--limit=${bad}`);
      expect(run.code, `--limit ${bad}`).toBe(2);
      expect(run.stderr).toMatch(/--limit expects a positive integer/);
    }
    const body = await cli('webhooks', 'dead', '--body');
    expect(body.code).toBe(2);
    expect(body.stderr).toMatch(/--output json/);
  });

  it('keeps showing what the store holds for webhooks no longer configured', async () => {
    // Same folder and store, but `rejected` and `unreachable` were renamed away.
    const renamed = p.path('renamed.yaml');
    writeFileSync(
      renamed,
      `webhooks:
  store: sqlite:./state/webhooks.db
  webhooks:
    - {name: renamed, channels: [a.*], url: '${r.url('/ok')}', secret: ${SECRET}}
`,
    );
    const stats = await runServo(['--output', 'json', 'webhooks', 'list', '--stats'], { config: renamed, cwd: p.dir });
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject([{ name: 'renamed', pending: 0, dead: 0 }]);
    expect(stats.stderr).toMatch(new RegExp(`holds 0 pending and ${REJECTED} dead deliveries of webhook "rejected", which is not configured`));
    expect(stats.stderr).toMatch(new RegExp(`holds ${UNREACHABLE} pending and 0 dead deliveries of webhook "unreachable"`));

    const orphans = await runServo(['--output', 'json', 'webhooks', 'dead', 'rejected'], { config: renamed, cwd: p.dir });
    expect(orphans.code).toBe(0);
    const rows = JSON.parse(orphans.stdout) as DeadRow[];
    expect(rows).toHaveLength(REJECTED);
    for (const row of rows) expect(row).toMatchObject({ connector: null, webhook: 'rejected' });
    expectNoSecrets(orphans);
  });

  it('a webhook on the memory store: the dead-letter list needs `store: sqlite:PATH`', async () => {
    const mixed = await cli('webhooks', 'dead', 'memory_hook');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/needs `store: sqlite:PATH`.*"mem"/);

    const asm = makeAssembly(`webhooks:
  - {name: only, events: after:measure, url: 'http://127.0.0.1:9/x', secret: ${SECRET}}
`);
    try {
      const run = await runServo(['webhooks', 'dead'], { config: asm.configFile, cwd: asm.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/the dead-letter list needs `store: sqlite:PATH`/);
      expect(run.stdout).toBe('');
      expectNoSecrets(run);
    } finally {
      asm.remove();
    }
  });
});
