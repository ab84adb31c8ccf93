/**
 * Parses YAML text keeping positions, so every later problem can be reported
 * at a `line:column` of the file.
 * @module
 */
import { ConfigError } from '../../errors.js';
import { indentationProblem } from './indentation.js';
import type { PathSegment } from './paths.js';
import { formatPath } from './paths.js';

import type { Document, LineCounter, Node, Pair } from 'yaml';

/** 1-based position in the file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a path lands in the YAML tree (see {@link YamlSource.lookup}). */
export interface Located {
  /** Deepest node reached (the value at the full path when `complete`). */
  readonly node: Node | null;
  /** The mapping pair through which `node` was reached, if it was a mapping value. */
  readonly pair: Pair<Node, Node | null> | null;
  /** Whether the whole path was found. */
  readonly complete: boolean;
}

/** A parsed YAML document with the means to turn nodes into file positions. */
export class YamlSource {
  constructor(
    /** Absolute path of the file (as printed in errors). */
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The `yaml` module (loaded lazily by {@link parseYamlSource}). */
    readonly yaml: typeof import('yaml'),
  ) {}

  /** Position of a character offset. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Position where a node starts; undefined for a node without a source range. */
  positionOf(node: Node | null | undefined): Position | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.position(start);
  }

  /**
   * Position of a pair's value, or of its key when the value is absent
   * (`url:` with nothing after it): the key is where the reader looks.
   */
  valuePosition(pair: Pair<Node, Node | null>): Position | undefined {
    const value = pair.value;
    if (!value || (this.yaml.isScalar(value) && value.value === null && !value.source)) return this.positionOf(pair.key);
    return this.positionOf(value);
  }

  /** The node an alias points to; other nodes unchanged. */
  resolve(node: Node | null | undefined): Node | null {
    if (!node) return null;
    if (this.yaml.isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  /** The pair of a mapping whose key (as text) is `key`. */
  pairOf(map: Node | null, key: string): Pair<Node, Node | null> | undefined {
    const node = this.resolve(map);
    if (!this.yaml.isMap(node)) return undefined;
    return (node.items as Pair<Node, Node | null>[]).find((p) => keyText(this.yaml, p.key) === key);
  }

  /** Follows `path` from `root` through mappings and lists as far as it exists. */
  lookup(root: Node | null, path: readonly PropertyKey[]): Located {
    let node = this.resolve(root);
    let pair: Pair<Node, Node | null> | null = null;
    for (const segment of path) {
      if (typeof segment === 'number' && this.yaml.isSeq(node)) {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) return { node, pair, complete: false };
        node = this.resolve(item);
        pair = null;
        continue;
      }
      const found = this.pairOf(node, String(segment));
      if (!found) return { node, pair, complete: false };
      pair = found;
      node = this.resolve(found.value);
    }
    return { node, pair, complete: true };
  }

  /** Converts a node to plain JavaScript values (aliases resolved). */
  toJS(node: Node | null): unknown {
    if (!node) return null;
    return node.toJS(this.doc, { maxAliasCount: 1000 });
  }

  /** The Scalar text of a key, or undefined when the key is not a scalar. */
  keyText(key: unknown): string | undefined {
    return keyText(this.yaml, key);
  }
}

function keyText(yaml: typeof import('yaml'), key: unknown): string | undefined {
  if (yaml.isScalar(key) && key.value !== null && typeof key.value !== 'object') return String(key.value);
  return undefined;
}

/** Result of {@link parseYamlSource}: a source, or the errors that prevent one. */
export type ParsedSource = { source: YamlSource; errors: [] } | { source?: undefined; errors: ConfigError[] };

const SYNTAX_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation of this line and the ones above it; close any open [ or {',
  MISSING_CHAR: 'add the missing closing character (quote, ] or })',
  MULTIPLE_DOCS: 'keep a single YAML document: remove the `---` separator and what follows, or merge it',
  BLOCK_AS_IMPLICIT_KEY: 'put a nested mapping on its own indented lines, or quote a value that contains ": "',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check the indentation, or quote a value that contains ": "',
  UNEXPECTED_TOKEN: 'remove the stray character, or quote the value that contains it',
  DUPLICATE_KEY: 'remove one of the two keys',
  BAD_ALIAS: 'define the anchor (&name) before using the alias (*name)',
};
const DEFAULT_SYNTAX_HINT = 'fix the YAML syntax here; quote values that contain ": ", " #" or start with a special character';

/**
 * Parses `text` as one YAML document. Syntax errors, duplicate keys (at any
 * depth, with the line of the first one) and aliases to undefined anchors come
 * back as located {@link ConfigError}s.
 */
export async function parseYamlSource(text: string, file: string): Promise<ParsedSource> {
  const yaml = await import('yaml');
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
  const source = new YamlSource(file, doc, lines, yaml);
  if (doc.errors.length) {
    // A mis-indented line causes most syntax errors, often several: explain the first such line alone.
    for (const e of doc.errors) {
      if (e.code === 'TAB_AS_INDENT') break; // its own hint says it better
      const bad = indentationProblem(text, source.position(e.pos[0]).line);
      if (bad) return { errors: [new ConfigError(bad.message, { file, line: bad.line, column: 1, hint: bad.hint })] };
    }
    return {
      errors: doc.errors.map((e) => {
        const { line, column } = source.position(e.pos[0]);
        return new ConfigError(`YAML syntax error: ${firstLine(e.message)}`, {
          file,
          line,
          column,
          hint: SYNTAX_HINTS[e.code] ?? DEFAULT_SYNTAX_HINT,
        });
      }),
    };
  }
  const errors: ConfigError[] = [];
  checkTree(source, yaml, doc.contents as Node | null, [], errors);
  return errors.length ? { errors } : { source, errors: [] };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}

/** Reports duplicate keys and unresolved aliases anywhere in the tree. */
function checkTree(source: YamlSource, yaml: typeof import('yaml'), node: Node | null, path: PathSegment[], errors: ConfigError[]): void {
  if (!node) return;
  if (yaml.isAlias(node)) {
    if (source.resolve(node) === null) {
      errors.push(
        new ConfigError(`unknown alias "*${node.source}"`, {
          file: source.file,
          ...source.positionOf(node),
          path: path.length ? formatPath(path) : undefined,
          hint: `define the anchor "&${node.source}" on a value above this line, or remove the alias`,
        }),
      );
    }
    return;
  }
  if (yaml.isMap(node)) {
    const seen = new Map<string, Node>();
    for (const pair of node.items as Pair<Node, Node | null>[]) {
      const key = source.keyText(pair.key);
      if (key !== undefined) {
        const first = seen.get(key);
        if (first) {
          const firstLine = source.positionOf(first)?.line;
          errors.push(
            new ConfigError(`duplicate key "${key}"${firstLine ? ` (first defined at line ${firstLine})` : ''}`, {
              file: source.file,
              ...source.positionOf(pair.key),
              path: formatPath([...path, key]),
              hint: 'a key may appear once per mapping: merge the two entries or remove one',
            }),
          );
        } else seen.set(key, pair.key);
      }
      checkTree(source, yaml, pair.value, key === undefined ? path : [...path, key], errors);
    }
  } else if (yaml.isSeq(node)) {
    for (const [i, item] of node.items.entries()) checkTree(source, yaml, item as Node, [...path, i], errors);
  }
}
