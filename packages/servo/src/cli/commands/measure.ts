import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';
import { readingRows } from './render.js';

/** `servo measure [METRICS...] [--duration D]` */
export default async function measure(ctx: CommandContext, metrics: string[], opts: { duration?: string }): Promise<void> {
  const servo = await ctx.loadServo();
  const params: Record<string, unknown> = {};
  if (metrics.length) params.metrics = metrics;
  if (opts.duration) params.control = { duration: opts.duration };
  const results = completedResults(await servo.dispatch('measure', params), ctx) as { connector: string; value?: any }[];
  if (ctx.output === 'json') return ctx.write(json(results.map((r) => ({ connector: r.connector, measurement: r.value }))));
  if (results.length === 0) return ctx.write('no connector answered measure\n');
  ctx.write(table(['CONNECTOR', 'METRIC', 'UNIT', 'TIME', 'VALUE'], results.flatMap((r) => readingRows(r.connector, r.value))));
}
