/**
 * Reads the top level of servo.yaml: the servo's `name`, the optional
 * `connectors` key, and which top-level sections belong to which connector
 * instance.
 * @module
 */
import type { Node, Pair, YAMLMap } from 'yaml';
import { ConfigError } from '../../errors.js';
import { formatPath, type PathSegment } from './paths.js';
import { didYouMean, listChoices } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

/** The keys of a scripts section: found at the top level, they are a mis-indented scripts section, not a connector. */
const SCRIPTS_KEYS = new Set(['on', 'before', 'after']);

/** Top-level keys that are not connector instances (the core's own sections). */
export const RESERVED_KEYS: readonly string[] = ['connectors', 'name', 'optimizer', 'server'];

const INSTANCE_NAME = /^[A-Za-z0-9_\-/.]{3,128}$/;

/** One connector instance the file activates. */
export interface Instance {
  readonly name: string;
  readonly type: string;
  /** Where the instance is named: its top-level key or its `connectors` entry. */
  readonly declaration: Node;
  /** The top-level pair holding its section, when the file has one. */
  readonly section: Pair<Node, Node | null> | undefined;
}

/** The top level of the file, read. */
export interface Layout {
  /** `name:` when given. */
  readonly servoName: string | undefined;
  readonly instances: Instance[];
  readonly errors: ConfigError[];
}

/** Why a name cannot be an instance name, or undefined when it can. */
export function instanceNameProblem(name: string): string | undefined {
  if (RESERVED_KEYS.includes(name)) return `"${name}" is a reserved key (a section of the servo itself); no connector instance may take that name`;
  if (INSTANCE_NAME.test(name)) return undefined;
  return `invalid connector name "${name}": expected 3-128 characters of letters, digits, "-", "_", "/", "."`;
}

function nameHint(name: string): string {
  if (RESERVED_KEYS.includes(name)) return 'choose another name';
  const cleaned = name.replace(/[^A-Za-z0-9_\-/.]/g, '_').slice(0, 128);
  const suggestion = cleaned.length >= 3 ? cleaned : cleaned.padEnd(3, '_');
  return `rename it, e.g. "${suggestion}"`;
}

/**
 * Reads the layout of `root` (the top-level mapping). `available` lists the
 * connector types that can be used; a section whose key is an available type
 * but which `connectors` leaves out is inactive and not validated.
 */
export function readLayout(source: YamlSource, root: YAMLMap, available: readonly string[]): Layout {
  const errors: ConfigError[] = [];
  const types = new Set(available);
  const fail = (node: Node | null | undefined, path: readonly PathSegment[], message: string, hint: string): void => {
    errors.push(new ConfigError(message, { file: source.file, ...source.positionOf(node), path: path.length ? formatPath(path) : undefined, hint }));
  };
  const describe = (node: Node | null): string => {
    const { isMap, isSeq, isScalar } = source.yaml;
    const resolved = source.resolve(node);
    if (isMap(resolved)) return 'a mapping';
    if (isSeq(resolved)) return 'a list';
    if (isScalar(resolved)) return resolved.value === null ? 'an empty value' : `a ${typeof resolved.value}`;
    return 'an empty value';
  };
  const stringValue = (node: Node | null): string | undefined => {
    const resolved = source.resolve(node);
    return source.yaml.isScalar(resolved) && typeof resolved.value === 'string' && resolved.value !== '' ? resolved.value : undefined;
  };
  const checkType = (type: string, node: Node, path: readonly PathSegment[]): boolean => {
    if (types.has(type)) return true;
    fail(
      node,
      path,
      `unknown connector type "${type}"; expected one of: ${listChoices(available)}`,
      didYouMean(type, available, `install the package that provides connector type "${type}", or remove it`),
    );
    return false;
  };

  let servoName: string | undefined;
  let declared: Map<string, Instance> | undefined;
  const sections = new Map<string, Pair<Node, Node | null>>();
  const others: Pair<Node, Node | null>[] = [];

  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = source.keyText(pair.key);
    if (key === undefined) {
      fail(pair.key ?? pair.value, [], `expected a connector name as key, got ${describe(pair.key)}`, 'write a plain name followed by ":", e.g. "webhooks:"');
    } else if (key === 'name') {
      servoName = stringValue(pair.value);
      if (servoName === undefined) {
        fail(
          pair.value ?? pair.key,
          ['name'],
          `expected the servo's name (a non-empty string), got ${describe(pair.value)}`,
          'write e.g. "name: my-servo", or remove it to use the folder name',
        );
      }
    } else if (key === 'connectors') {
      declared = readConnectors(pair);
    } else if (RESERVED_KEYS.includes(key)) {
      // The core's own section (e.g. optimizer), validated by the loader.
    } else {
      sections.set(key, pair);
      others.push(pair);
    }
  }

  function readConnectors(pair: Pair<Node, Node | null>): Map<string, Instance> {
    const { isMap, isSeq } = source.yaml;
    const list = new Map<string, Instance>();
    const node = source.resolve(pair.value);
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const itemNode = item as Node;
        const type = stringValue(itemNode);
        if (type === undefined) {
          fail(
            itemNode,
            ['connectors', i],
            `expected a connector type name, got ${describe(itemNode)}`,
            `write one type per item, one of: ${listChoices(available)}`,
          );
          return;
        }
        if (list.has(type)) {
          fail(
            itemNode,
            ['connectors', i],
            `connector type "${type}" is listed twice`,
            'remove one entry; to run a type twice, map two names to it: "connectors: {a: TYPE, b: TYPE}"',
          );
          return;
        }
        if (!checkType(type, itemNode, ['connectors', i])) return;
        const problem = instanceNameProblem(type);
        if (problem) {
          fail(itemNode, ['connectors', i], problem, `map a valid name to it instead: "connectors: {NAME: ${type}}"`);
          return;
        }
        list.set(type, { name: type, type, declaration: itemNode, section: undefined });
      });
    } else if (isMap(node)) {
      for (const entry of node.items as Pair<Node, Node | null>[]) {
        const name = source.keyText(entry.key);
        if (name === undefined) {
          fail(entry.key ?? entry.value, ['connectors'], `expected a connector name as key, got ${describe(entry.key)}`, 'write "NAME: TYPE" pairs');
          continue;
        }
        const problem = instanceNameProblem(name);
        if (problem) {
          fail(entry.key, ['connectors', name], problem, nameHint(name));
          continue;
        }
        const type = stringValue(entry.value);
        if (type === undefined) {
          fail(
            entry.value ?? entry.key,
            ['connectors', name],
            `expected a connector type name (a string), got ${describe(entry.value)}`,
            `write "${name}: TYPE" with TYPE one of: ${listChoices(available)}`,
          );
          continue;
        }
        if (!checkType(type, entry.value!, ['connectors', name])) continue;
        list.set(name, { name, type, declaration: entry.key, section: undefined });
      }
    } else {
      fail(
        pair.value ?? pair.key,
        ['connectors'],
        `expected a list of connector types or a mapping of names to types, got ${describe(pair.value)}`,
        'write e.g. "connectors: [webhooks]" or "connectors: {hooks_a: webhooks, hooks_b: webhooks}", or remove the key to activate every section',
      );
    }
    return list;
  }

  const instances: Instance[] = [];
  if (declared) {
    const names = [...declared.keys()];
    for (const pair of others) {
      const key = source.keyText(pair.key)!;
      if (declared.has(key) || types.has(key)) continue; // inactive sections of available types are kept, unchecked
      fail(
        pair.key,
        [key],
        `"${key}" is not a connector listed in "connectors"; expected one of: ${listChoices([...names, ...RESERVED_KEYS])}`,
        didYouMean(key, names, `declare it under connectors (e.g. "${key}: TYPE"), or remove this section`),
      );
    }
    for (const instance of declared.values()) instances.push({ ...instance, section: sections.get(instance.name) });
  } else {
    for (const pair of others) {
      const key = source.keyText(pair.key)!;
      if (SCRIPTS_KEYS.has(key) && !types.has(key)) {
        fail(
          pair.key,
          [key],
          `"${key}:" at the top level looks like part of a scripts section that lost its indentation`,
          `indent it under scripts: ("scripts:" on its own line, then "  ${key}:" two spaces in, its events two more)`,
        );
        continue;
      }
      if (!types.has(key)) {
        fail(
          pair.key,
          [key],
          `unknown connector "${key}"; expected one of: ${listChoices([...available, ...RESERVED_KEYS])}`,
          didYouMean(key, available, `install the package that provides connector type "${key}", or map the name to a type under "connectors"`),
        );
        continue;
      }
      const problem = instanceNameProblem(key);
      if (problem) {
        fail(pair.key, [key], problem, `name the instance under connectors: "connectors: {NAME: ${key}}"`);
        continue;
      }
      instances.push({ name: key, type: key, declaration: pair.key, section: pair });
    }
  }
  return { servoName, instances, errors };
}
