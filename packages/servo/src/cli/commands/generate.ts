import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Document, isMap, isNode, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';

/**
 * `servo generate [--defaults] TYPE...`: a starting servo.yaml with one
 * section per connector type, from each connector's own `generate()`.
 */
export default async function generate(
  ctx: CommandContext,
  types: string[],
  opts: { defaults?: boolean; file?: string; stdout?: boolean; force?: boolean },
): Promise<void> {
  const file = opts.file ? resolve(ctx.cwd, opts.file) : ctx.configFile;
  const { availableConnectors } = await import('../../assembly/load.js');
  const available = availableConnectors(dirname(file));
  // An existing file gains the new sections (its comments kept); --force starts it over.
  const adding = existsSync(file) && !opts.stdout && !opts.force;
  const doc = adding ? parseDocument(readFileSync(file, 'utf8')) : new Document({});
  if (adding) {
    if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) {
      throw new UsageError(`${file} is not a YAML mapping generate can add to (servo validate says why); pass --force to overwrite it, or --stdout to print`);
    }
    const present = types.filter((t) => doc.has(t));
    if (present.length > 0) {
      throw new UsageError(
        `${file} already has a section ${present.map((t) => `"${t}"`).join(', ')}; pass --force to overwrite the file, or --stdout to print the configuration`,
      );
    }
    if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  }
  const secrets: string[] = [];
  for (const type of types) {
    const found = available.get(type);
    if (!found) throw new UsageError(`unknown connector type "${type}"; installed types: ${[...available.keys()].join(', ')}`);
    const definition = await found.load();
    const generated = definition.generate?.({ defaults: Boolean(opts.defaults) }) ?? { value: {} };
    const node = doc.createNode(generated.value) as Node;
    doc.set(type, node);
    for (const [path, comment] of Object.entries(generated.comments ?? {})) annotate(doc, type, node, path, comment);
    if (holdsField(generated.value, new Set(definition.secretFields ?? []))) secrets.push(type);
  }
  const text = doc.toString({ lineWidth: 100 });
  if (opts.stdout) return ctx.write(text);
  // Owner-only: generated sections may hold fresh secrets (an existing file keeps its own mode).
  writeFileSync(file, text, { mode: 0o600 });
  ctx.write(adding ? `added ${types.join(', ')} to ${file}\n` : `wrote ${file} (${types.join(', ')})\n`);
  if (secrets.length > 0) {
    ctx.write(
      `note: the ${secrets.join(', ')} section${secrets.length === 1 ? ' holds a generated secret' : 's hold generated secrets'} in plain text: ` +
        'move it to the environment before sharing the file, e.g. export WEBHOOK_SECRET=<the value> and write secret: ${WEBHOOK_SECRET}\n',
    );
  }
}

/** True when `value` has a key named in `fields` at any depth with a non-empty value. */
function holdsField(value: unknown, fields: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => holdsField(v, fields));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => (fields.has(k) && typeof v === 'string' && v !== '') || holdsField(v, fields));
}

/** Puts `comment` above the key at `path` inside the section (`''` = above the section key). */
function annotate(doc: Document, type: string, section: Node, path: string, comment: string): void {
  const text = comment
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  if (path === '') {
    const pair = isMap(doc.contents) ? findPair(doc.contents, type) : undefined;
    if (pair) keyNode(doc, pair).commentBefore = text;
    return;
  }
  const parts = path.split('.');
  const last = parts.pop()!;
  let node: unknown = section;
  for (const p of parts) node = isSeq(node) ? node.items[Number(p)] : isMap(node) ? node.get(p, true) : undefined;
  if (isMap(node)) {
    const pair = findPair(node, last);
    if (pair) keyNode(doc, pair).commentBefore = text;
  } else if (isSeq(node)) {
    const item = node.items[Number(last)];
    if (isNode(item)) item.commentBefore = text;
  }
}

/** The pair of `map` whose key is `key`, written as a scalar node or a plain value. */
function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
}

/** The pair's key as a node (a plain key becomes one), so that it can carry a comment. */
function keyNode(doc: Document, pair: Pair): Node {
  if (!isNode(pair.key)) pair.key = doc.createNode(pair.key);
  return pair.key as Node;
}
