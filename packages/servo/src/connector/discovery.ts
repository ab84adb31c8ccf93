import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConnectorLoadError } from '../errors.js';
import type { ConnectorDefinition } from './connector.js';

/**
 * A connector type found in an installed package (or built in). Its module is
 * imported only by `load()`, so discovery costs a few small file reads.
 */
export interface DiscoveredConnector {
  /** Connector type name, e.g. `webhooks`. */
  readonly type: string;
  /** npm package that declares it (`servo-core` for built-ins). */
  readonly packageName: string;
  /** Absolute path of the module whose default export is the definition. */
  readonly modulePath: string;
  /** Imports the module and checks its default export. */
  load(): Promise<ConnectorDefinition>;
}

/** Where to look. */
export interface DiscoveryOptions {
  /** Folder of servo.yaml: the dependencies of its nearest package.json are searched. */
  projectDir: string;
  /** Root folder of the servo core package (its package.json's folder); default: this installation. */
  coreDir?: string;
}

/** The `servo` field a connector package puts in its package.json. */
interface ServoPackageField {
  connectors?: Record<string, string>;
}

const CORE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Packages beside the core are only considered when their name says they are connectors. */
const CONNECTOR_PACKAGE_NAME = /^(@[^/]+\/)?servo-/;

/**
 * Finds connector types declared by installed packages, the way Python entry
 * points did: a package lists them in package.json under
 * `"servo": { "connectors": { "<type>": "./dist/module.js" } }`.
 *
 * Two places are searched, without crawling all of node_modules:
 * 1. every dependency named in the package.json nearest to the project folder
 *    (any package name);
 * 2. the node_modules folders beside the servo core's own installation, for
 *    packages named `servo-*` or `@scope/servo-*` (so `servo` installed
 *    globally finds connectors installed globally with it).
 * Project dependencies take precedence over packages found beside the core.
 */
export function discoverConnectors(options: DiscoveryOptions): Map<string, DiscoveredConnector> {
  const found = new Map<string, DiscoveredConnector>();
  const seenPackages = new Set<string>();
  const add = (pkgDir: string): void => {
    let real: string;
    try {
      real = realpathSync(pkgDir);
    } catch {
      return;
    }
    if (seenPackages.has(real)) return;
    seenPackages.add(real);
    const manifest = readManifest(join(real, 'package.json'));
    const connectors = (manifest?.servo as ServoPackageField | undefined)?.connectors;
    if (!manifest || !connectors || typeof connectors !== 'object') return;
    for (const [type, rel] of Object.entries(connectors)) {
      if (found.has(type) || typeof rel !== 'string') continue;
      found.set(type, discovered(type, String(manifest.name ?? real), resolve(real, rel)));
    }
  };

  const projectManifest = findUp(resolve(options.projectDir), 'package.json');
  if (projectManifest) {
    const m = readManifest(projectManifest);
    const deps = { ...m?.optionalDependencies, ...m?.devDependencies, ...m?.dependencies } as Record<string, unknown>;
    const base = dirname(projectManifest);
    for (const name of Object.keys(deps)) {
      const dir = resolvePackageDir(base, name);
      if (dir) add(dir);
    }
  }

  for (const nm of nodeModulesAround(options.coreDir ?? CORE_DIR)) {
    for (const name of connectorPackageNames(nm)) add(join(nm, name));
  }
  return found;
}

/** A discovered connector for a module path, e.g. the built-in ones. */
export function discovered(type: string, packageName: string, modulePath: string): DiscoveredConnector {
  let loading: Promise<ConnectorDefinition> | undefined;
  return {
    type,
    packageName,
    modulePath,
    load: () => (loading ??= importDefinition(type, packageName, modulePath)),
  };
}

async function importDefinition(type: string, packageName: string, modulePath: string): Promise<ConnectorDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  } catch (err) {
    throw new ConnectorLoadError(`connector "${type}" from package ${packageName} could not be loaded from ${modulePath}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const def = mod.default as Partial<ConnectorDefinition> | undefined;
  const problems = definitionProblems(def, type);
  if (problems.length) {
    throw new ConnectorLoadError(
      `package ${packageName} declares connector "${type}" at ${modulePath}, but its default export is not a connector definition: ${problems.join('; ')} (expected export default defineConnector({ type, metadata, config, setup }))`,
    );
  }
  return def as ConnectorDefinition;
}

/** What is wrong with a module's default export as a connector definition (none: it is one). */
function definitionProblems(def: Partial<ConnectorDefinition> | undefined, type: string): string[] {
  if (def === undefined) return ['the module has no default export'];
  if (!def || typeof def !== 'object') return [`it is ${def === null ? 'null' : `a ${typeof def}`}`];
  const problems: string[] = [];
  // A different type would make the name in servo.yaml and the instances' type disagree.
  if (typeof def.type !== 'string') problems.push('`type` is not a string');
  else if (def.type !== type) problems.push(`its \`type\` is "${def.type}", but package.json declares "${type}"`);
  if (!def.metadata || typeof def.metadata !== 'object') problems.push('`metadata` is missing');
  if (!def.config || (typeof def.config !== 'object' && typeof def.config !== 'function')) problems.push('`config` (a zod schema) is missing');
  if (typeof def.setup !== 'function') problems.push('`setup` is not a function');
  return problems;
}

function readManifest(file: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

function findUp(dir: string, file: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, file);
    if (existsSync(candidate)) return candidate;
    if (d === parse(d).root) return undefined;
  }
}

/** Node's lookup: `<dir>/node_modules/<name>` from `base` upward. */
function resolvePackageDir(base: string, name: string): string | undefined {
  for (let d = base; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === parse(d).root) return undefined;
  }
}

/** node_modules folders that hold the core or sit above it. */
function nodeModulesAround(coreDir: string): string[] {
  const out: string[] = [];
  let start = coreDir;
  try {
    start = realpathSync(coreDir);
  } catch {
    /* keep the given path */
  }
  for (let d = start; ; d = dirname(d)) {
    const base = parse(d).base;
    if (base === 'node_modules') out.push(d);
    else if (existsSync(join(d, 'node_modules'))) out.push(join(d, 'node_modules'));
    if (d === parse(d).root) break;
  }
  return [...new Set(out)];
}

function connectorPackageNames(nodeModules: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    if (e.startsWith('@')) {
      let scoped: string[] = [];
      try {
        scoped = readdirSync(join(nodeModules, e));
      } catch {
        /* unreadable scope */
      }
      for (const s of scoped) if (CONNECTOR_PACKAGE_NAME.test(`${e}/${s}`)) names.push(`${e}/${s}`);
    } else if (CONNECTOR_PACKAGE_NAME.test(e)) names.push(e);
  }
  return names;
}
