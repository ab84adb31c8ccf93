import { UsageError } from '../../errors.js';
import type { ParamsInputOf } from '../../events/event.js';
import { DURATION_EXPECTED, parseDuration } from '../../model/duration.js';
import { measure as measureEvent } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { answering, dispatchFor } from '../outcome.js';
import { json, table } from '../output.js';
import { readingRows } from './render.js';

const MEASURE_HINT = 'configure a measure connector, e.g. scripts: {on: {measure: [./measure.sh]}} in servo.yaml';

/** `servo measure [METRICS...] [--duration D]` */
export default async function measure(ctx: CommandContext, metrics: string[], opts: { duration?: string }): Promise<void> {
  if (opts.duration !== undefined) {
    // Checked here so the error names the flag, not the event parameter it becomes (control.duration).
    try {
      parseDuration(opts.duration);
    } catch {
      throw new UsageError(`--duration ${JSON.stringify(opts.duration)}: ${DURATION_EXPECTED}, e.g. --duration 30s`);
    }
  }
  const servo = await ctx.loadServo();
  const params: ParamsInputOf<typeof measureEvent> = {
    ...(metrics.length ? { metrics } : {}),
    ...(opts.duration ? { control: { duration: opts.duration } } : {}),
  };
  const results = await dispatchFor(ctx, servo, measureEvent, params, MEASURE_HINT);
  if (ctx.output === 'json') {
    return ctx.write(json({ status: 'ok', event: 'measure', results: results.map((r) => ({ connector: r.connector, measurement: r.value ?? null })) }));
  }
  if (results.length === 0) return ctx.write(`no measurement: ${answering(servo, 'measure').join(', ')} answered measure without readings\n`);
  ctx.write(
    table(
      ['CONNECTOR', 'METRIC', 'UNIT', 'TIME', 'VALUE'],
      results.flatMap((r) => readingRows(r.connector, r.value)),
      { fitTo: ctx.stdout },
    ),
  );
}
