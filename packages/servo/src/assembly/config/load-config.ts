/**
 * Loads servo.yaml into validated per-connector configuration. Every problem
 * found is reported at once, each located in the file (or naming the
 * environment variable it came from) with a hint on how to fix it.
 * @module
 */
import { looksSecret } from '../redact.js';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import type { z } from 'zod';
import type { ConfigSchemaContext, ConnectorDefinition } from '../../connector/connector.js';
import { ConfigError, ConfigErrors, ConnectorLoadError } from '../../errors.js';
import { interpolateTree, newInterpolation, type Env, type TreeInterpolation, type UnsetSecret } from './interpolate.js';
import { problemsOf, type IssueLike, type Problem } from './issues.js';
import { readLayout, RESERVED_KEYS, type Instance } from './layout.js';
import { OPTIMIZER_SECRET_FIELDS, OptimizerSection } from './optimizer-section.js';
import { SERVER_SECRET_FIELDS, ServerSection } from './server-section.js';
import { readOverrides } from './overrides.js';
import { envValueScrubber } from './scrub.js';
import { formatPath } from './paths.js';
import { fieldNames, kindOf } from './schema-introspect.js';
import { listChoices } from './suggest.js';
import { parseYamlSource, type Position, type YamlSource } from './yaml-source.js';

/** One active connector instance and its validated configuration. */
export interface ConfigSection {
  /** Instance name (its key in servo.yaml). */
  name: string;
  /** Connector type name. */
  type: string;
  /** Validated configuration, defaults applied. */
  config: unknown;
}

/** servo.yaml, loaded and validated. */
export interface LoadedConfig {
  /** Absolute path of the file. */
  file: string;
  /** `name:` from the file, else the name of the file's folder. */
  servoName: string;
  /** Active instances, in the order of `connectors` (or of the file). */
  sections: ConfigSection[];
  /** The `optimizer:` section, when the file has one. */
  optimizer?: OptimizerSection | undefined;
  /** The `server:` section (the HTTP endpoint of `servo run`), when the file has one. */
  server?: ServerSection | undefined;
  /** With `allowUnsetSecrets`: the secret fields whose `${VAR}` is not set. */
  unsetSecrets?: readonly UnsetSecret[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path to servo.yaml. */
  file: string;
  /** Environment for `${VAR}` and `SERVO_<NAME>_<FIELD>` overrides; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Resolves a connector type name to its definition (may import a package). Undefined: unknown type. */
  resolveType(type: string): Promise<ConnectorDefinition | undefined>;
  /** Names of all connector types available (for "did you mean" and lists of valid choices). */
  availableTypes(): string[];
  /** Standard event names; the events declared by the resolved definitions are added to them. */
  standardEvents: readonly string[];
  /**
   * For commands that never use a secret (`servo config`, `show`, `webhooks list`): a secret field
   * whose `${VAR}` is unset is not an error; it is listed in `unsetSecrets` and never used.
   */
  allowUnsetSecrets?: boolean;
}

/** Largest servo.yaml read: 4 MiB. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Options of {@link parseConfigText}: those of {@link loadConfig} without the file. */
export type ParseConfigOptions = Omit<LoadConfigOptions, 'file'>;

/**
 * Reads and validates servo.yaml.
 * @throws {ConfigErrors} with one {@link ConfigError} per problem found.
 * @example
 * const loaded = await loadConfig({ file: 'servo.yaml', standardEvents: ['measure'],
 *   availableTypes: () => ['webhooks'], resolveType: async (t) => registry.get(t) });
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const file = resolve(options.file);
  let text: string;
  try {
    // A regular file of bounded size: /dev/zero or a 50 MB file must not take the process down.
    const info = await stat(file);
    if (info.isFile() && info.size > MAX_CONFIG_BYTES) {
      throw new ConfigErrors([
        new ConfigError(`the configuration file is ${info.size} bytes; the most servo reads is ${MAX_CONFIG_BYTES} (4 MiB)`, {
          file,
          hint: 'a servo.yaml is a few KiB: check that the path names the right file',
        }),
      ]);
    }
    if (!info.isFile() && !info.isDirectory()) {
      throw new ConfigErrors([new ConfigError('expected a regular file (not a device, pipe or socket)', { file, hint: 'give the path of the YAML file' })]);
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigErrors) throw err;
    throw new ConfigErrors([readError(file, err, options.availableTypes())]);
  }
  return parseConfigText(text, file, options);
}

/**
 * Validates servo.yaml given as text; `file` is the path errors name (made
 * absolute) and whose folder names the servo by default.
 * @throws {ConfigErrors} with one {@link ConfigError} per problem found.
 */
export async function parseConfigText(text: string, file: string, options: ParseConfigOptions): Promise<LoadedConfig> {
  file = resolve(file);
  const env: Env = options.env ?? process.env;
  if (text.trim() === '') throw new ConfigErrors([emptyError(file, options.availableTypes())]);
  const parsed = await parseYamlSource(text, file);
  if (!parsed.source) throw new ConfigErrors(parsed.errors);
  const source = parsed.source;
  const { isMap, isScalar } = source.yaml;
  const root = source.resolve(source.doc.contents as Node | null);
  if (root === null || (isScalar(root) && root.value === null)) throw new ConfigErrors([emptyError(file, options.availableTypes())]);
  if (!isMap(root)) {
    throw new ConfigErrors([
      new ConfigError(`expected a mapping of connector names to their configuration at the top level, got ${kindText(source, root)}`, {
        file,
        ...source.positionOf(root),
        hint: 'write one "NAME:" key per connector at the start of a line, with its configuration indented below it',
      }),
    ]);
  }

  const interpolation = newInterpolation(options.allowUnsetSecrets === true);
  for (const key of RESERVED_KEYS) {
    const pair = source.pairOf(root, key);
    if (pair) interpolateTree(source, pair.value, [key], env, interpolation);
  }
  const available = options.availableTypes();
  const layout = readLayout(source, root, available);
  const errors: ConfigError[] = [...layout.errors];

  const definitions = await resolveTypes(layout.instances, options.resolveType);
  const events = eventNames(options.standardEvents, definitions.values());
  const schemas = new Map<string, z.ZodType>();
  const sections: ConfigSection[] = [];
  for (const instance of layout.instances) {
    const definition = definitions.get(instance.type);
    if (!definition) {
      errors.push(
        new ConfigError(`connector type "${instance.type}" is not available`, {
          file,
          ...source.positionOf(instance.declaration),
          path: instance.name,
          hint: `check that the package providing "${instance.type}" is installed; available types: ${listChoices(available)}`,
        }),
      );
      continue;
    }
    let schema = schemas.get(instance.type);
    if (!schema) {
      schema = schemaOf(definition, { events, configDir: dirname(file) });
      schemas.set(instance.type, schema);
    }
    interpolateTree(source, instance.section?.value ?? null, [instance.name], env, interpolation, new Set(definition.verbatimFields ?? []));
    const result = await validateSection(source, instance, definition, schema, env, interpolation);
    errors.push(...result.errors);
    if (result.errors.length === 0) sections.push({ name: instance.name, type: instance.type, config: result.config });
  }
  const optimizer = await validateCoreSection(source, root, 'optimizer', OptimizerSection, OPTIMIZER_SECRET_FIELDS, env, interpolation, errors);
  const server = await validateCoreSection(source, root, 'server', ServerSection, SERVER_SECRET_FIELDS, env, interpolation, errors);
  errors.push(...interpolation.errors);
  if (errors.length) throw new ConfigErrors(sortByPosition(errors));
  const unset = interpolation.unsetSecrets.length ? { unsetSecrets: interpolation.unsetSecrets } : {};
  return {
    file,
    servoName: layout.servoName ?? basename(dirname(file)),
    sections,
    ...(optimizer ? { optimizer } : {}),
    ...(server ? { server } : {}),
    ...unset,
  };
}

/** Validates a core section (`optimizer:`, `server:`) like a connector's (located errors, secrets never echoed). */
async function validateCoreSection<T>(
  source: YamlSource,
  root: YAMLMap,
  key: string,
  schema: z.ZodType<T>,
  secretFields: readonly string[],
  env: Env,
  interpolation: TreeInterpolation,
  errors: ConfigError[],
): Promise<T | undefined> {
  const pair = source.pairOf(root, key) as Instance['section'];
  if (!pair) return undefined;
  const instance: Instance = { name: key, type: key, declaration: pair.key, section: pair };
  const definition = { type: key, secretFields } as unknown as ConnectorDefinition;
  const result = await validateSection(source, instance, definition, schema, env, interpolation);
  errors.push(...result.errors);
  return result.errors.length ? undefined : (result.config as T);
}

async function resolveTypes(instances: readonly Instance[], resolveType: LoadConfigOptions['resolveType']): Promise<Map<string, ConnectorDefinition>> {
  const types = [...new Set(instances.map((i) => i.type))];
  const resolved = await Promise.all(types.map(async (type) => [type, await resolveType(type)] as const));
  const definitions = new Map<string, ConnectorDefinition>();
  for (const [type, definition] of resolved) if (definition) definitions.set(type, definition);
  return definitions;
}

function eventNames(standard: readonly string[], definitions: Iterable<ConnectorDefinition>): string[] {
  const names = new Set(standard);
  for (const definition of definitions) for (const event of definition.events ?? []) names.add(event.name);
  return [...names];
}

function schemaOf(definition: ConnectorDefinition, context: ConfigSchemaContext): z.ZodType {
  const config = definition.config;
  if (typeof config !== 'function') return config;
  try {
    return config(context);
  } catch (err) {
    throw new ConnectorLoadError(
      `connector type "${definition.type}": building its config schema failed: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** Validates one instance's section (after `${VAR}` substitution and environment overrides). */
async function validateSection(
  source: YamlSource,
  instance: Instance,
  definition: ConnectorDefinition,
  schema: z.ZodType,
  env: Env,
  interpolation: TreeInterpolation,
): Promise<{ config?: unknown; errors: ConfigError[] }> {
  const { isScalar } = source.yaml;
  const file = source.file;
  const valueNode = source.resolve(instance.section?.value ?? null);
  const absent = valueNode === null || (isScalar(valueNode) && valueNode.value === null);
  let input: unknown;
  if (absent) input = kindOf(schema) === 'array' || kindOf(schema) === 'tuple' ? undefined : {};
  else {
    try {
      input = source.toJS(valueNode);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        errors: [
          new ConfigError(`cannot read this section: ${message}`, {
            file,
            ...source.positionOf(valueNode),
            path: instance.name,
            hint: 'simplify its anchors and aliases',
          }),
        ],
      };
    }
  }

  const errors: ConfigError[] = [];
  const overridden = new Map<string, string>();
  const fromEnv: [string, unknown][] = [];
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    const fields = new Set([...Object.keys(record), ...(fieldNames(schema) ?? [])]);
    const found = await readOverrides(instance.name, fields, env);
    errors.push(...found.errors);
    for (const o of found.overrides) {
      record[o.field] = o.value;
      overridden.set(o.field, o.variable);
      fromEnv.push([o.variable, env[o.variable]], [o.variable, o.value]);
    }
  }
  // Unreadable overrides were not applied: validate the file's values anyway, to report everything at once.
  const parsed = schema.safeParse(input);
  if (parsed.success) return errors.length ? { errors } : { config: parsed.data, errors };

  const secretFields = new Set(definition.secretFields ?? []);
  /** The variables a value was substituted from, if it was. */
  const substituted = (path: readonly PropertyKey[]): readonly string[] | undefined => {
    if (absent) return undefined;
    const found = source.lookup(valueNode, path);
    return found.complete && found.node !== null ? interpolation.substituted.get(found.node) : undefined;
  };
  for (const variables of interpolation.substituted.values()) for (const v of variables) fromEnv.push([v, env[v]]);
  // A schema's message may quote the value it rejected: never one from the environment.
  const scrub = envValueScrubber(fromEnv);
  const problems = problemsOf(parsed.error.issues as unknown as IssueLike[], {
    input,
    schema,
    canEcho: (path) =>
      !(path.length > 0 && overridden.has(String(path[0]))) &&
      !path.some((s) => typeof s === 'string' && (looksSecret(s) || secretFields.has(s))) &&
      !substituted(path),
    display: (path) => formatPath([instance.name, ...path]),
  });

  for (const raw of problems) {
    const problem = { ...raw, message: scrub(raw.message), ...(raw.hint === undefined ? {} : { hint: scrub(raw.hint) }) } as Problem;
    const shownPath = formatPath([instance.name, ...(problem.kind === 'missing' ? problem.path.slice(0, -1) : problem.path)]);
    const variable = problem.path.length > 0 ? overridden.get(String(problem.path[0])) : undefined;
    if (variable) {
      errors.push(
        new ConfigError(`environment variable ${variable}: ${problem.message}`, {
          path: shownPath,
          hint: problem.hint ? `${problem.hint}, in ${variable} (or unset it)` : `change or unset ${variable}`,
        }),
      );
      continue;
    }
    const target = problem.kind === 'missing' ? problem.path.slice(0, -1) : problem.path;
    const found = absent ? undefined : source.lookup(valueNode, target);
    // A scalar whose ${VAR} could not be replaced already has its own error.
    if (found?.complete && found.node && interpolation.failed.has(found.node)) continue;
    const variables = problem.kind === 'value' ? substituted(problem.path) : undefined;
    const note = variables ? ` (value from ${variables.map((v) => `$${v}`).join(', ')}, not shown)` : '';
    errors.push(
      new ConfigError(problem.message + note, {
        file,
        ...positionOf(source, instance, problem, target, found),
        path: shownPath,
        hint: problem.hint,
      }),
    );
  }
  return { errors };

  function positionOf(
    src: YamlSource,
    inst: Instance,
    p: Problem,
    target: readonly PropertyKey[],
    found: ReturnType<YamlSource['lookup']> | undefined,
  ): Position | undefined {
    const declaration = src.positionOf(inst.declaration);
    if (!found || !inst.section) return declaration;
    if (target.length === 0) return p.kind === 'value' ? src.valuePosition(inst.section) : declaration;
    if (!found.complete) return found.pair ? src.valuePosition(found.pair) : (src.positionOf(found.node) ?? declaration);
    // An unknown key is shown at the key; a missing field at the key of the mapping that lacks it.
    if (p.kind !== 'value') return found.pair ? src.positionOf(found.pair.key) : src.positionOf(found.node);
    return found.pair ? src.valuePosition(found.pair) : src.positionOf(found.node);
  }
}

/** Orders errors as they appear in the file; errors without a line (environment) come last. */
function sortByPosition(errors: ConfigError[]): ConfigError[] {
  const rank = (e: ConfigError) => (e.details.line === undefined ? Infinity : e.details.line * 1e6 + (e.details.column ?? 0));
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e);
}

function kindText(source: YamlSource, node: Node): string {
  const { isSeq, isScalar } = source.yaml;
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `a ${typeof node.value}`;
  return 'something else';
}

function startHint(types: readonly string[]): string {
  return `write a starting configuration with "servo generate --defaults NAME", NAME being a connector type (available: ${listChoices(types)})`;
}

function emptyError(file: string, types: readonly string[]): ConfigError {
  return new ConfigError('the configuration file is empty', { file, hint: startHint(types) });
}

function readError(file: string, err: unknown, types: readonly string[]): ConfigError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new ConfigError('configuration file not found', { file, hint: `check the path, or ${startHint(types)}` });
    case 'EISDIR':
      return new ConfigError('expected a file, got a folder', { file, hint: `give the path of the YAML file, e.g. ${join(file, 'servo.yaml')}` });
    case 'EACCES':
    case 'EPERM':
      return new ConfigError('cannot read the configuration file: permission denied', { file, hint: 'check the permissions of the file and its folders' });
    default:
      return new ConfigError(`cannot read the configuration file (${code ?? (err instanceof Error ? err.message : String(err))})`, {
        file,
        hint: 'check that the path names a readable text file',
      });
  }
}
