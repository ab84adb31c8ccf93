import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Servo } from '../../src/assembly/servo.js';
import { discoverConnectors } from '../../src/connector/discovery.js';
import { ConnectorLoadError } from '../../src/errors.js';
import { helloConnectorSource, helloProject, installPackage, linkZod, tempDir, WORKSPACE, writeFiles } from './project.js';

let dir: string;
let cleanup: () => Promise<void>;
/**
 * An empty core folder outside `dir` (node_modules folders above the core are
 * searched too), so that packages installed beside the real core do not take part.
 */
let isolatedCore: string;
let cleanupCore: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const core = await tempDir('servo-core-');
  cleanupCore = core.cleanup;
  isolatedCore = join(core.dir, 'servo-core');
  await mkdir(isolatedCore, { recursive: true });
});
afterEach(async () => {
  await cleanup();
  await cleanupCore();
});

describe('discovery: dependencies of the project', () => {
  it('finds a connector type declared by a dependency (any package name) and loads its definition', async () => {
    await helloProject(dir);

    const found = discoverConnectors({ projectDir: dir, coreDir: isolatedCore });

    expect([...found.keys()]).toEqual(['hello']);
    const hello = found.get('hello')!;
    expect(hello).toMatchObject({
      type: 'hello',
      packageName: 'my-servo-thing',
      modulePath: join(dir, 'node_modules', 'my-servo-thing', 'index.js'),
    });
    const definition = await hello.load();
    expect(definition.type).toBe('hello');
    expect(definition.metadata.version).toBe('1.2.3');
    expect(hello.load()).toBe(hello.load());

    // The loaded definition is a working connector.
    const servo = await Servo.create({ name: 't', connectors: [{ definition, config: { greeting: 'hey' } }] });
    const result = await servo.dispatch('metrics', {});
    expect(result).toMatchObject({ status: 'completed', results: [{ connector: 'hello', value: [{ name: 'hey_count', unit: '' }] }] });
    await servo.close();
  });

  it('uses the package.json nearest to the project folder (servo.yaml in a subfolder)', async () => {
    await helloProject(dir);
    const sub = join(dir, 'deploy', 'servo');
    await mkdir(sub, { recursive: true });

    expect([...discoverConnectors({ projectDir: sub, coreDir: isolatedCore }).keys()]).toEqual(['hello']);
  });

  it('counts dev and optional dependencies; skips missing packages and packages without a servo field', async () => {
    await writeFiles(dir, {
      'package.json': JSON.stringify({
        name: 'p',
        dependencies: { 'not-installed': '1', 'plain-lib': '1' },
        devDependencies: { 'dev-thing': '1' },
        optionalDependencies: { 'opt-thing': '1' },
      }),
      'node_modules/plain-lib/package.json': JSON.stringify({ name: 'plain-lib', version: '1.0.0' }),
    });
    await installPackage(dir, 'dev-thing', { dev_type: './a.js' }, {});
    await installPackage(dir, 'opt-thing', { opt_type: './b.js' }, {});

    const found = discoverConnectors({ projectDir: dir, coreDir: isolatedCore });

    expect([...found.keys()].sort()).toEqual(['dev_type', 'opt_type']);
    expect(found.get('opt_type')!.modulePath).toBe(join(dir, 'node_modules', 'opt-thing', 'b.js'));
  });

  it('does not crawl node_modules: an installed package the project does not depend on is not found', async () => {
    await writeFiles(dir, { 'package.json': JSON.stringify({ name: 'p', dependencies: {} }) });
    await installPackage(dir, 'unlisted', { unlisted: './index.js' }, { 'index.js': '' });
    await installPackage(dir, 'servo-unlisted', { servo_unlisted: './index.js' }, { 'index.js': '' });

    expect(discoverConnectors({ projectDir: dir, coreDir: isolatedCore }).size).toBe(0);
  });

  it('a package.json that is not JSON is skipped', async () => {
    await writeFiles(dir, {
      'package.json': JSON.stringify({ name: 'p', dependencies: { broken: '1', 'my-servo-thing': '1' } }),
      'node_modules/broken/package.json': '{ "name": "broken", ',
    });
    await linkZod(dir);
    await installPackage(dir, 'my-servo-thing', { hello: './index.js' }, { 'index.js': helloConnectorSource() });

    expect([...discoverConnectors({ projectDir: dir, coreDir: isolatedCore }).keys()]).toEqual(['hello']);
  });
});

describe('discovery: packages beside the core', () => {
  /** node_modules/servo-core plus siblings, as a global install would look. */
  async function globalInstall(): Promise<{ core: string; project: string }> {
    const nm = join(dir, 'global', 'node_modules');
    const core = join(nm, 'servo-core');
    await writeFiles(core, { 'package.json': JSON.stringify({ name: 'servo-core', version: '0.1.0' }) });
    await installPackage(join(dir, 'global'), 'servo-foo', { foo: './foo.js' }, { 'foo.js': '' });
    await installPackage(join(dir, 'global'), 'other-foo', { other: './other.js' }, { 'other.js': '' });
    await installPackage(join(dir, 'global'), '@acme/servo-bar', { bar: './bar.js' }, { 'bar.js': '' });
    await installPackage(join(dir, 'global'), '@acme/other-bar', { acme_other: './x.js' }, { 'x.js': '' });
    const project = join(dir, 'project');
    await writeFiles(project, { 'package.json': JSON.stringify({ name: 'project' }) });
    return { core, project };
  }

  it('finds packages named servo-* and @scope/servo-*, not others', async () => {
    const { core, project } = await globalInstall();

    const found = discoverConnectors({ projectDir: project, coreDir: core });

    expect([...found.keys()].sort()).toEqual(['bar', 'foo']);
    expect(found.get('foo')).toMatchObject({ packageName: 'servo-foo', modulePath: join(dir, 'global', 'node_modules', 'servo-foo', 'foo.js') });
    expect(found.get('bar')).toMatchObject({ packageName: '@acme/servo-bar' });
  });

  it('a project dependency takes precedence over a package beside the core declaring the same type', async () => {
    const { core } = await globalInstall();
    await installPackage(join(dir, 'global'), 'servo-hello', { hello: './global-hello.js' }, { 'global-hello.js': '' });
    await helloProject(join(dir, 'project'));

    const found = discoverConnectors({ projectDir: join(dir, 'project'), coreDir: core });

    expect(found.get('hello')).toMatchObject({ packageName: 'my-servo-thing' });
    expect(found.has('foo')).toBe(true);
  });

  it('by default looks beside this installation of the core (the workspace links servo-webhooks there)', async () => {
    const found = discoverConnectors({ projectDir: dir });
    // Not loaded: only the declaration in servo-webhooks' package.json is read.
    expect(found.get('webhooks')).toMatchObject({
      packageName: 'servo-webhooks',
      modulePath: join(WORKSPACE, 'packages', 'servo-webhooks', 'dist', 'connector.js'),
    });
  });
});

describe('discovery: loading a malformed connector module', () => {
  async function declare(source: string, type = 'hello'): Promise<ReturnType<typeof discoverConnectors>> {
    await writeFiles(dir, { 'package.json': JSON.stringify({ name: 'p', dependencies: { 'bad-thing': '1' } }) });
    await linkZod(dir);
    await installPackage(dir, 'bad-thing', { [type]: './index.js' }, { 'index.js': source });
    return discoverConnectors({ projectDir: dir, coreDir: isolatedCore });
  }

  async function loadError(source: string): Promise<ConnectorLoadError> {
    const found = await declare(source);
    const err = await found
      .get('hello')!
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorLoadError);
    expect(err).toMatchObject({ code: 'SERVO_CONNECTOR_LOAD' });
    const message = (err as Error).message;
    expect(message).toContain('bad-thing');
    expect(message).toContain('"hello"');
    expect(message).toContain(join(dir, 'node_modules', 'bad-thing', 'index.js'));
    return err as ConnectorLoadError;
  }

  it('no default export', async () => {
    const err = await loadError('export const hello = {};\n');
    expect(err.message).toContain('is not a connector definition: the module has no default export');
  });

  it('a default export that is not an object', async () => {
    const err = await loadError('export default "hello";\n');
    expect(err.message).toContain('is not a connector definition: it is a string');
  });

  it('a default export missing setup, metadata and config: each problem is named', async () => {
    const err = await loadError("export default { type: 'hello' };\n");
    expect(err.message).toContain('`metadata` is missing');
    expect(err.message).toContain('`config` (a zod schema) is missing');
    expect(err.message).toContain('`setup` is not a function');
    expect(err.message).toContain('defineConnector');
  });

  it('a definition whose type differs from the name package.json declares', async () => {
    const err = await loadError(helloConnectorSource('greeter'));
    expect(err.message).toContain('its `type` is "greeter", but package.json declares "hello"');
  });

  it('a module that fails to import', async () => {
    const err = await loadError('export default {{;\n');
    expect(err.message).toMatch(/could not be loaded from .*index\.js: /);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('a module path that does not exist', async () => {
    await writeFiles(dir, { 'package.json': JSON.stringify({ name: 'p', dependencies: { 'bad-thing': '1' } }) });
    await installPackage(dir, 'bad-thing', { hello: './dist/missing.js' }, {});
    const found = discoverConnectors({ projectDir: dir, coreDir: isolatedCore });
    await expect(found.get('hello')!.load()).rejects.toThrow(/could not be loaded from .*dist\/missing\.js/);
  });

  it('discovery itself imports nothing: a broken module only fails when loaded', async () => {
    const found = await declare("throw new Error('imported too early');\n");
    expect(found.get('hello')!.type).toBe('hello');
    await expect(found.get('hello')!.load()).rejects.toThrow('imported too early');
  });
});
