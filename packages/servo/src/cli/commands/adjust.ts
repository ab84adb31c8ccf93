import { UsageError } from '../../errors.js';
import { adjust as adjustEvent } from '../../events/standard.js';
import { parseAdjustment as parseModelAdjustment, type Adjustment } from '../../model/adjustment.js';
import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';

/** `servo adjust COMPONENT.SETTING=VALUE...` */
export default async function adjust(ctx: CommandContext, settings: string[]): Promise<void> {
  const adjustments = settings.map(parseAdjustment);
  const servo = await ctx.loadServo();
  const results = completedResults(await servo.dispatch(adjustEvent, { adjustments }), ctx);
  if (ctx.output === 'json') return ctx.write(json(results.map((r) => ({ connector: r.connector, description: r.value }))));
  const rows = adjustments.map((a) => [a.component_name, a.setting_name, a.value]);
  ctx.write(table(['COMPONENT', 'SETTING', 'VALUE'], rows, { fitTo: ctx.stdout }));
  ctx.write(results.length ? `adjusted by ${results.map((r) => r.connector).join(', ')}\n` : 'no connector answered adjust\n');
}

/** `web.cpu=0.5` -> `{ component_name: 'web', setting_name: 'cpu', value: 0.5 }`; a malformed pair is a usage error (exit 2). */
export function parseAdjustment(text: string): Adjustment {
  try {
    return parseModelAdjustment(text);
  } catch {
    throw new UsageError(`cannot read adjustment "${text}": expected COMPONENT.SETTING=VALUE, e.g. web.cpu=0.5`);
  }
}
