/**
 * Reading a fake optimizer plan from its YAML nodes, so that every problem is
 * reported at the line and field where it is: the helpers the plan and step
 * readers share.
 * @module
 */
import type { Node, Pair } from 'yaml';
import { formatPath, type PathSegment } from '../../assembly/config/paths.js';
import { didYouMean } from '../../assembly/config/suggest.js';
import type { YamlSource } from '../../assembly/config/yaml-source.js';
import { ConfigError } from '../../errors.js';
import { parseDuration, DURATION_EXPECTED } from '../../model/duration.js';

/**
 * One problem in a plan, located: `plan.yaml:7:9: steps[2].fail.status: ...
 * (fix: ...)`. A {@link ConfigError} (code `SERVO_CONFIG_INVALID`): the CLI
 * exits 2 with it.
 */
export class PlanError extends ConfigError {}

/** Collects a plan's problems while its nodes are read. */
export class PlanReader {
  readonly errors: PlanError[] = [];
  constructor(readonly source: YamlSource) {}

  /** Records a problem at `node` (or its pair's key when the value is empty). */
  fail(node: Node | null | undefined, path: readonly PathSegment[], message: string, hint?: string): undefined {
    const pos = this.source.positionOf(node);
    this.errors.push(
      new PlanError(message, { file: this.source.file, line: pos?.line, column: pos?.column, path: path.length ? formatPath(path) : undefined, hint }),
    );
    return undefined;
  }

  isMap(node: Node | null): boolean {
    return this.source.yaml.isMap(node);
  }

  isSeq(node: Node | null): boolean {
    return this.source.yaml.isSeq(node);
  }

  /** True for an absent value: `key:` with nothing after it, or `null`. */
  isEmpty(node: Node | null): boolean {
    return node === null || (this.source.yaml.isScalar(node) && node.value === null);
  }

  /** The pairs of a mapping with their keys as text; a non-scalar key is reported. */
  entries(map: Node, path: readonly PathSegment[]): { key: string; pair: Pair<Node, Node | null>; value: Node | null }[] {
    const out: { key: string; pair: Pair<Node, Node | null>; value: Node | null }[] = [];
    for (const pair of (this.source.resolve(map) as unknown as { items: Pair<Node, Node | null>[] }).items) {
      const key = this.source.keyText(pair.key);
      if (key === undefined) this.fail(pair.key, path, 'a key must be a plain word', 'write the key as text');
      else out.push({ key, pair, value: this.source.resolve(pair.value) });
    }
    return out;
  }

  /** Reports keys of `map` not in `known`, with a did-you-mean. */
  onlyKeys(map: Node, path: readonly PathSegment[], known: readonly string[]): void {
    for (const { key, pair } of this.entries(map, path)) {
      if (!known.includes(key)) this.fail(pair.key, [...path, key], `unknown field "${key}"`, didYouMean(key, known, `use one of ${known.join(', ')}`));
    }
  }

  /** The value node under `key`, or undefined; `present` tells an absent key from an empty value. */
  field(map: Node, key: string): { node: Node | null; pair: Pair<Node, Node | null> } | undefined {
    const pair = this.source.pairOf(map, key);
    return pair ? { node: this.source.resolve(pair.value), pair } : undefined;
  }

  /** The node to point at for a pair: its value, or its key when the value is empty. */
  where(pair: Pair<Node, Node | null>): Node | null {
    return this.isEmpty(this.source.resolve(pair.value)) ? pair.key : this.source.resolve(pair.value);
  }

  /** A plain value (aliases resolved). */
  js(node: Node | null): unknown {
    return this.source.toJS(node);
  }

  /** A string scalar, or a reported problem. */
  text(node: Node | null, at: Node | null, path: readonly PathSegment[], what: string): string | undefined {
    const value = this.js(node);
    if (typeof value === 'string' && value.length > 0) return value;
    return this.fail(at, path, `expected ${what} (text), got ${describe(value)}`, `write ${what} as text, e.g. quoted`);
  }

  /** A whole number in [min, max], or a reported problem. */
  integer(node: Node | null, at: Node | null, path: readonly PathSegment[], min: number, max: number, example: string): number | undefined {
    const value = this.js(node);
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    return this.fail(at, path, `expected a whole number from ${min} to ${max}, got ${describe(value)}`, `write e.g. ${example}`);
  }

  /** A duration in seconds (Go-style text or a number of seconds), or a reported problem. */
  seconds(node: Node | null, at: Node | null, path: readonly PathSegment[]): number | undefined {
    const value = this.js(node);
    try {
      if (typeof value === 'string' || typeof value === 'number') return parseDuration(value) / 1000;
    } catch {
      // reported below
    }
    return this.fail(at, path, `${DURATION_EXPECTED}, got ${describe(value)}`, 'write e.g. 30s, 1m30s or 500ms');
  }
}

/** How a value reads in a message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}
