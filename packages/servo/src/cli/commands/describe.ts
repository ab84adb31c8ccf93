import { UsageError } from '../../errors.js';
import { describe as describeEvent } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';
import { settingRange } from './render.js';

/** `servo describe [CONNECTORS...]` */
export default async function describe(ctx: CommandContext, connectors: string[]): Promise<void> {
  const servo = await ctx.loadServo();
  const names = servo.connectors.map((c) => c.name);
  const unknown = connectors.filter((c) => !names.includes(c));
  // A misspelt name would otherwise print an empty description and succeed.
  if (unknown.length)
    throw new UsageError(`unknown connector ${unknown.map((u) => `"${u}"`).join(', ')}; configured connectors: ${names.join(', ') || 'none'}`);
  const result = await servo.dispatch(describeEvent, {}, connectors.length ? { include: connectors } : {});
  const results = completedResults(result, ctx);
  if (ctx.output === 'json') return ctx.write(json(results.map((r) => ({ connector: r.connector, description: r.value }))));
  const rows: unknown[][] = [];
  for (const r of results) {
    for (const c of r.value?.components ?? []) {
      for (const s of c.settings ?? []) rows.push([r.connector, c.name, s.name, s.type, s.value, settingRange(s), s.pinned ? 'yes' : '']);
    }
  }
  ctx.write(table(['CONNECTOR', 'COMPONENT', 'SETTING', 'TYPE', 'VALUE', 'RANGE', 'PINNED'], rows, { fitTo: ctx.stdout }));
  const metrics = results.flatMap((r) => (r.value?.metrics ?? []).map((m) => [r.connector, m.name, m.unit]));
  if (metrics.length) ctx.write('\n' + table(['CONNECTOR', 'METRIC', 'UNIT'], metrics, { fitTo: ctx.stdout }));
}
