import { readFileSync } from 'node:fs';
import type { CommandContext } from '../context.js';
import { json } from '../output.js';

/** `servo version` (no configuration is read: it must stay fast). */
export default async function version(ctx: CommandContext): Promise<void> {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  if (ctx.output === 'json') return ctx.write(json({ servo: pkg.version, node: process.versions.node }));
  ctx.write(`servo ${pkg.version} (node ${process.versions.node})\n`);
}
