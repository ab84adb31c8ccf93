import type { ParamsInputOf } from '../../events/event.js';
import { measure as measureEvent } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';
import { readingRows } from './render.js';

/** `servo measure [METRICS...] [--duration D]` */
export default async function measure(ctx: CommandContext, metrics: string[], opts: { duration?: string }): Promise<void> {
  const servo = await ctx.loadServo();
  const params: ParamsInputOf<typeof measureEvent> = {
    ...(metrics.length ? { metrics } : {}),
    ...(opts.duration ? { control: { duration: opts.duration } } : {}),
  };
  const results = completedResults(await servo.dispatch(measureEvent, params), ctx);
  if (ctx.output === 'json') return ctx.write(json(results.map((r) => ({ connector: r.connector, measurement: r.value }))));
  if (results.length === 0) return ctx.write('no connector answered measure\n');
  ctx.write(
    table(
      ['CONNECTOR', 'METRIC', 'UNIT', 'TIME', 'VALUE'],
      results.flatMap((r) => readingRows(r.connector, r.value)),
      { fitTo: ctx.stdout },
    ),
  );
}
