/**
 * A project with a connector installed as a package (`my-servo-thing`
 * declaring type `hello`), operated through the CLI subprocess from an
 * unrelated working folder: discovery, `check`, `config` redaction, `schema`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helloProject } from '../connector/project.js';
import { servo, STACK_LINE, useProjectFolders, writeFiles } from './helpers.js';

const f = useProjectFolders('servo-project-', helloProject);

const run = (args: string[], env?: Record<string, string>) => servo(['--config', f.config, ...args], { cwd: f.elsewhere, ...(env ? { env } : {}) });

describe('a connector installed as a package', () => {
  it("`show connectors` lists it, found through the project's package.json", async () => {
    await writeFiles(f.project, { 'servo.yaml': 'hello:\n  greeting: hi\nscripts: {}\n' });

    const r = await run(['show', 'connectors']);

    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['NAME', 'TYPE', 'VERSION', 'MATURITY', 'DESCRIPTION'],
      ['hello', 'hello', '1.2.3', 'experimental', 'Says hello from an installed package'],
      ['scripts', 'scripts', '0.1.0', 'stable', 'Runs shell commands before, on and after servo events'],
    ]);
  });

  it('its handlers answer events (describe, show metrics), with its config', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'hello:\n  greeting: bonjour\n' });

    const metrics = await run(['-o', 'json', 'show', 'metrics']);
    expect(metrics.code).toBe(0);
    expect(JSON.parse(metrics.stdout)).toEqual([{ connector: 'hello', name: 'bonjour_count', unit: '' }]);

    const d = await run(['describe']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^hello\s+greeter\s+volume\s+range\s+5\s+0\.\.10 step 1\s+-$/m);
  });

  it('its configuration is validated with file positions', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'hello:\n  greeting: hi\n  volume: 11\n' });

    const r = await run(['validate']);

    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f.config}:3:3: hello.volume: unknown field "volume"`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('`schema hello` prints its configuration schema, even when servo.yaml does not use it', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'scripts: {}\n' });

    const r = await run(['schema', 'hello']);

    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { properties: Record<string, { default?: unknown }> };
    expect(Object.keys(s.properties).sort()).toEqual(['auth', 'checks', 'greeting', 'password', 'signing', 'token']);
    expect(s.properties.greeting!.default).toBe('hello');
  });

  it('a malformed connector module fails the command with exit 1 and says what is wrong, without a stack trace', async () => {
    await writeFiles(f.project, {
      'node_modules/my-servo-thing/index.js': "export default { type: 'hello', metadata: { version: '1.0.0' } };\n",
      'servo.yaml': 'hello: {}\n',
    });

    const r = await run(['validate']);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `servo: package my-servo-thing declares connector "hello" at ${join(f.project, 'node_modules', 'my-servo-thing', 'index.js')}, but its default export is not a connector definition: \`config\` (a zod schema) is missing; \`setup\` is not a function`,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("`generate hello` uses the connector's own generate()", async () => {
    const r = await servo(['generate', 'hello', '--stdout', '--file', f.config], { cwd: f.elsewhere });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello:\n  greeting: hello\n');
  });
});

describe('servo check', () => {
  it('exits 0 when every check passes, and prints them', async () => {
    await writeFiles(f.project, {
      'servo.yaml': 'hello:\n  checks:\n    - { name: database, ok: true }\n    - { name: queue, ok: true }\n',
    });

    const r = await run(['check']);

    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
    ).toEqual([
      ['CONNECTOR', 'CHECK', 'SEVERITY', 'RESULT', 'MESSAGE', 'HINT'],
      ['hello', 'database', 'common', 'ok', 'database is ready', '-'],
      ['hello', 'queue', 'common', 'ok', 'queue is ready', '-'],
    ]);
  });

  it('exits 1 when a check fails, with its message and hint', async () => {
    await writeFiles(f.project, {
      'servo.yaml': 'hello:\n  checks:\n    - { name: database, ok: true }\n    - { name: cache, ok: false }\n',
    });

    const r = await run(['check']);

    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^hello\s+cache\s+common\s+FAILED\s+cache is not ready\s+start cache$/m);
    expect(r.stdout).toMatch(/^hello\s+database\s+common\s+ok\s+database is ready/m);
    expect(r.stderr).toContain('servo: 1 of 2 checks failed');
    expect(r.stderr).not.toMatch(STACK_LINE);

    const j = await run(['-o', 'json', 'check']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject([
      { connector: 'hello', name: 'database', id: 'database', success: true },
      { connector: 'hello', name: 'cache', id: 'cache', success: false, message: 'cache is not ready', hint: 'start cache' },
    ]);
  });

  it('with no checks contributed, says so and exits 0', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'hello: {}\n' });
    const r = await run(['check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no checks\n');
  });
});

describe('servo config', () => {
  const SECRETS = ['tok-8f3a1c', 'pw-hunter2', 'sig-0099', 'auth-s3cr3t', 'env-token-77'];

  it('prints the effective configuration with fields named secret/token/password (and declared secret fields) redacted', async () => {
    await writeFiles(f.project, {
      'servo.yaml': `name: shop
hello:
  greeting: hi
  token: tok-8f3a1c
  password: pw-hunter2
  signing: sig-0099
  auth:
    user: bob
    secret: auth-s3cr3t
`,
    });

    const y = await run(['config']);
    expect(y.code).toBe(0);
    for (const s of SECRETS) expect(y.stdout).not.toContain(s);
    expect(y.stdout).toMatch(/^name: shop$/m);
    expect(y.stdout).toMatch(/^ {2}greeting: hi$/m);
    expect(y.stdout).toMatch(/^ {2}token: "\*{8}"$/m);
    expect(y.stdout).toMatch(/^ {4}user: bob$/m);

    const j = await run(['-o', 'json', 'config']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      name: 'shop',
      hello: {
        greeting: 'hi',
        token: '********',
        password: '********',
        signing: '********',
        auth: { user: 'bob', secret: '********' },
        checks: [],
      },
      connectors: { hello: 'hello' },
    });
  });

  it('a secret substituted from the environment is redacted too', async () => {
    await writeFiles(f.project, { 'servo.yaml': 'hello:\n  token: ${HELLO_TOKEN}\n  greeting: ${HELLO_GREETING}\n' });

    const r = await run(['-o', 'json', 'config'], { HELLO_TOKEN: 'env-token-77', HELLO_GREETING: 'from-env' });

    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('env-token-77');
    expect(JSON.parse(r.stdout).hello).toMatchObject({ token: '********', greeting: 'from-env' });
  });
});
