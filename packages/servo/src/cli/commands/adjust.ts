import { UsageError } from '../../errors.js';
import { adjust as adjustEvent } from '../../events/standard.js';
import { parseAdjustment as parseModelAdjustment, type Adjustment } from '../../model/adjustment.js';
import type { CommandContext } from '../context.js';
import { answering, dispatchFor } from '../outcome.js';
import { json, table } from '../output.js';

const ADJUST_HINT = 'configure an adjust connector, e.g. scripts: {on: {adjust: [./adjust.sh]}} in servo.yaml';

/** `servo adjust COMPONENT.SETTING=VALUE...` */
export default async function adjust(ctx: CommandContext, settings: string[]): Promise<void> {
  const adjustments = settings.map(parseAdjustment);
  const servo = await ctx.loadServo();
  const results = await dispatchFor(ctx, servo, adjustEvent, { adjustments }, ADJUST_HINT);
  // Every connector with an adjust handler ran it (an error would have failed the command); a script that
  // printed nothing answered with no description, which is still an adjustment made.
  const by = answering(servo, 'adjust');
  if (ctx.output === 'json') {
    const described = new Map(results.map((r) => [r.connector, r.value]));
    return ctx.write(
      json({ status: 'ok', event: 'adjust', adjustments, results: by.map((connector) => ({ connector, description: described.get(connector) ?? null })) }),
    );
  }
  const rows = adjustments.map((a) => [a.component_name, a.setting_name, a.value]);
  ctx.write(table(['COMPONENT', 'SETTING', 'VALUE'], rows, { fitTo: ctx.stdout }));
  ctx.write(`adjusted by ${by.join(', ')}\n`);
}

/** `web.cpu=0.5` -> `{ component_name: 'web', setting_name: 'cpu', value: 0.5 }`; a malformed pair is a usage error (exit 2). */
export function parseAdjustment(text: string): Adjustment {
  try {
    return parseModelAdjustment(text);
  } catch {
    throw new UsageError(`cannot read adjustment "${text}": expected COMPONENT.SETTING=VALUE, e.g. web.cpu=0.5`);
  }
}
