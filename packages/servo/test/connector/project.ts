/**
 * Temporary project folders with installed connector packages, as a user's
 * would look after `npm install my-servo-thing`: a package.json naming the
 * dependency and node_modules/<pkg> with a `"servo"` field. `zod` is a
 * symlink to the workspace's copy so the connector modules can import it.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root (the repository checkout). */
export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A temp folder (real path), removed by `cleanup()`. */
export async function tempDir(prefix = 'servo-project-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `files` (relative path -> content) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** Makes `<dir>/node_modules/zod` point at the workspace's zod. */
export async function linkZod(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(join(WORKSPACE, 'node_modules', 'zod'), join(dir, 'node_modules', 'zod'), 'dir');
}

/**
 * Writes an installed package `node_modules/<name>` whose package.json
 * declares `connectors` (type -> module path) and whose modules are `modules`.
 */
export async function installPackage(dir: string, name: string, connectors: Record<string, string>, modules: Record<string, string>): Promise<string> {
  const pkgDir = join(dir, 'node_modules', name);
  await writeFiles(pkgDir, {
    'package.json': JSON.stringify({ name, version: '1.0.0', type: 'module', servo: { connectors } }, null, 2),
    ...modules,
  });
  return pkgDir;
}

/**
 * The `hello` connector, plain JS: a greeting, secret-looking fields (for
 * redaction) and checks driven by its config (for `servo check`).
 */
export function helloConnectorSource(type = 'hello'): string {
  return `import { z } from 'zod';

export default {
  type: ${JSON.stringify(type)},
  metadata: { version: '1.2.3', description: 'Says hello from an installed package', maturity: 'experimental' },
  secretFields: ['signing'],
  config: z.strictObject({
    greeting: z.string().default('hello'),
    token: z.string().optional(),
    password: z.string().optional(),
    signing: z.string().optional(),
    auth: z.object({ secret: z.string(), user: z.string() }).optional(),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean() })).default([]),
  }),
  generate: () => ({ value: { greeting: 'hello' } }),
  setup(ctx) {
    ctx.on('describe', () => ({
      components: [{ name: 'greeter', settings: [{ name: 'volume', type: 'range', min: 0, max: 10, step: 1, value: 5 }] }],
      metrics: [{ name: 'greetings', unit: 'rps' }],
    }));
    ctx.on('metrics', () => [{ name: ctx.config.greeting + '_count', unit: '' }]);
    for (const c of ctx.config.checks) {
      ctx.check({
        name: c.name,
        run() {
          if (!c.ok) throw Object.assign(new Error(c.name + ' is not ready'), { hint: 'start ' + c.name });
          return c.name + ' is ready';
        },
      });
    }
  },
};
`;
}

/**
 * A project folder: package.json depending on `my-servo-thing`, which
 * declares the connector type `hello`, installed in `dir`.
 */
export async function helloProject(dir: string): Promise<void> {
  await writeFiles(dir, {
    'package.json': JSON.stringify({ name: 'my-project', private: true, dependencies: { 'my-servo-thing': '^1.0.0' } }, null, 2),
  });
  await linkZod(dir);
  await installPackage(dir, 'my-servo-thing', { hello: './index.js' }, { 'index.js': helloConnectorSource() });
}
