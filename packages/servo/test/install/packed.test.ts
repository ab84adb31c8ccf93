/**
 * INSTALLATION TEST: the README's "Install" steps, run as a user runs them. It packs both
 * packages from this checkout (`npm pack --workspaces`, the built packages: `npm test` builds
 * first), installs the tarballs into a fresh application folder and into a global prefix with
 * npm, and runs the installed `servo` there: `npx servo version`, `servo webhooks list` with
 * the example of servo-webhooks' README, and servo-core's README example (`servo measure`).
 *
 * npm installs from its cache (`--offline`, as `npm install` in the checkout filled it), and
 * falls back to `--prefer-offline` (the registry) for what the cache lacks. better-sqlite3
 * may compile its native module while installing: the slow part, so the two installs run
 * side by side, bounded by {@link INSTALL_MS}.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE } from '../connector/project.js';

/** The longest one `npm install` of the tarballs may take (a native module may compile). */
const INSTALL_MS = 240_000;
const SECRET = 'install-test-secret-0123456789';

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell: none of the variables `npm test` sets for its script, nor servo's. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('SERVO_') || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function sh(file: string, args: readonly string[], cwd: string, env: Record<string, string> = userEnv(), timeout = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`${file} ${args.join(' ')} in ${cwd}: ${err.message}\n${stderr}`));
      else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** `npm install ARGS` from the cache, else with the registry for what the cache lacks. */
async function npmInstall(args: readonly string[], cwd: string): Promise<Exit> {
  const offline = await sh('npm', ['install', '--offline', ...args], cwd, userEnv(), INSTALL_MS);
  if (offline.code === 0 || !/ENOTCACHED/.test(offline.stderr)) return offline;
  return sh('npm', ['install', '--prefer-offline', ...args], cwd, userEnv(), INSTALL_MS);
}

/** The first fenced block of `lang` in a README. */
function block(readme: string, lang: string): string {
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(join(WORKSPACE, readme), 'utf8'));
  if (!m) throw new Error(`${readme} has no ${lang} block`);
  return m[1]!;
}

describe('installation test: the README "Install" steps with packed tarballs', () => {
  let work = '';
  let tarballs: string[] = [];
  let version = '';

  beforeAll(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), 'servo-install-test-')));
    const packs = join(work, 'servo-packages');
    mkdirSync(packs); // the README's `mkdir -p`
    const pack = await sh('npm', ['pack', '--workspaces', '--pack-destination', packs], WORKSPACE);
    expect(pack.code, pack.stderr).toBe(0);
    tarballs = readdirSync(packs)
      .filter((f) => f.endsWith('.tgz'))
      .sort()
      .map((f) => join(packs, f));
    version = (JSON.parse(readFileSync(join(WORKSPACE, 'packages/servo/package.json'), 'utf8')) as { version: string }).version;
    expect(tarballs.map((t) => t.slice(packs.length + 1))).toEqual([`servo-core-${version}.tgz`, `servo-webhooks-${version}.tgz`]);
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('inside the repository: npx servo version and --help', async () => {
    const v = await sh('npx', ['servo', 'version'], WORKSPACE);
    expect(v).toEqual({ code: 0, stdout: `servo ${version} (node ${process.versions.node})\n`, stderr: '' });
    const help = await sh('npx', ['servo', '--help'], join(WORKSPACE, 'examples'));
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}webhooks +commands of the webhooks connector$/m);
  });

  it(
    'in an application folder and globally: npm install of the tarballs, then servo version, webhooks list and measure',
    async () => {
      const app = join(work, 'my-app');
      const prefix = join(work, 'global');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }));
      const [local, global] = await Promise.all([npmInstall(tarballs, app), npmInstall(['--global', '--prefix', prefix, ...tarballs], work)]);
      expect(local.code, local.stderr).toBe(0);
      expect(global.code, global.stderr).toBe(0);
      // One servo-core, shared by the CLI and the connector.
      expect(() => readdirSync(join(app, 'node_modules', 'servo-webhooks', 'node_modules', 'servo-core'))).toThrow();

      // The application folder, with servo-webhooks' README example as its servo.yaml.
      writeFileSync(join(app, 'servo.yaml'), block('packages/servo-webhooks/README.md', 'yaml'));
      const env = userEnv({ WEBHOOK_SECRET: SECRET });
      expect(await sh('npx', ['servo', 'version'], app, env)).toEqual({ code: 0, stdout: `servo ${version} (node ${process.versions.node})\n`, stderr: '' });
      expect(await sh('npx', ['servo', 'validate'], app, env)).toMatchObject({ code: 0, stderr: '' });
      const list = await sh('npx', ['servo', 'webhooks', 'list'], app, env);
      expect(list).toMatchObject({ code: 0, stderr: '' });
      expect(list.stdout).toMatch(/^webhooks +store_measurements +after:measure +https:\/\/collector\.example\.com\/webhooks /m);
      expect(list.stdout).not.toContain(SECRET);

      // servo-core's README example: a script answering measure.
      const core = join(app, 'core-example');
      mkdirSync(core);
      writeFileSync(join(core, 'servo.yaml'), block('packages/servo/README.md', 'yaml'));
      writeFileSync(join(core, 'measure.sh'), readmeScript());
      chmodSync(join(core, 'measure.sh'), 0o755);
      const measure = await sh('npx', ['servo', '--config', 'core-example/servo.yaml', 'measure'], app, env);
      expect(measure).toMatchObject({ code: 0, stderr: '' });
      expect(measure.stdout).toMatch(/\brps\b.*\b42\b/);

      // The global install: `servo` on the PATH, from any folder.
      const servo = join(prefix, 'bin', 'servo');
      expect(await sh(servo, ['version'], work, env)).toEqual({ code: 0, stdout: `servo ${version} (node ${process.versions.node})\n`, stderr: '' });
      const globalList = await sh(servo, ['webhooks', 'list'], app, env);
      expect(globalList).toMatchObject({ code: 0, stderr: '' });
      expect(globalList.stdout).toContain('store_measurements');
    },
    2 * INSTALL_MS,
  );
});

/** The measure script of servo-core's README: the sh block that starts with `#!`. */
function readmeScript(): string {
  const readme = readFileSync(join(WORKSPACE, 'packages/servo/README.md'), 'utf8');
  const m = /```sh\n(#![\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('packages/servo/README.md has no measure script');
  return m[1]!;
}
