import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Document, isMap, isSeq, type Node } from 'yaml';
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
  const doc = new Document({});
  for (const type of types) {
    const found = available.get(type);
    if (!found) throw new UsageError(`unknown connector type "${type}"; installed types: ${[...available.keys()].join(', ')}`);
    const definition = await found.load();
    const generated = definition.generate?.({ defaults: Boolean(opts.defaults) }) ?? { value: {} };
    const node = doc.createNode(generated.value) as Node;
    doc.set(type, node);
    for (const [path, comment] of Object.entries(generated.comments ?? {})) annotate(doc, type, node, path, comment);
  }
  const text = doc.toString({ lineWidth: 100 });
  if (opts.stdout) return ctx.write(text);
  if (existsSync(file) && !opts.force) {
    throw new UsageError(`${file} already exists; pass --force to overwrite it, or --stdout to print the configuration`);
  }
  // Owner-only: generated sections may hold fresh secrets.
  writeFileSync(file, text, { mode: 0o600 });
  ctx.write(`wrote ${file} (${types.join(', ')})\n`);
}

/** Puts `comment` above the key at `path` inside the section (`''` = above the section key). */
function annotate(doc: Document, type: string, section: Node, path: string, comment: string): void {
  const text = comment
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  if (path === '') {
    const pair = (doc.contents as any).items.find((p: any) => p.key?.value === type || p.key === type);
    if (pair) {
      if (typeof pair.key !== 'object') pair.key = doc.createNode(pair.key);
      pair.key.commentBefore = text;
    }
    return;
  }
  const parts = path.split('.');
  const last = parts.pop()!;
  let node: any = section;
  for (const p of parts) node = isSeq(node) ? node.items[Number(p)] : isMap(node) ? node.get(p, true) : undefined;
  if (isMap(node)) {
    const pair: any = node.items.find((i: any) => (i.key?.value ?? i.key) === last);
    if (pair) {
      if (typeof pair.key !== 'object') pair.key = doc.createNode(pair.key);
      pair.key.commentBefore = text;
    }
  } else if (isSeq(node)) {
    const item: any = node.items[Number(last)];
    if (item) item.commentBefore = text;
  }
}
