import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';

const PAIR = /^([^.=\s]+)\.([^=\s]+)=(.+)$/;

/** `servo adjust COMPONENT.SETTING=VALUE...` */
export default async function adjust(ctx: CommandContext, settings: string[]): Promise<void> {
  const adjustments = settings.map(parseAdjustment);
  const servo = await ctx.loadServo();
  const results = completedResults(await servo.dispatch('adjust', { adjustments }), ctx) as { connector: string; value?: any }[];
  if (ctx.output === 'json') return ctx.write(json(results.map((r) => ({ connector: r.connector, description: r.value }))));
  const rows = adjustments.map((a) => [a.component_name, a.setting_name, a.value]);
  ctx.write(table(['COMPONENT', 'SETTING', 'VALUE'], rows));
  ctx.write(results.length ? `adjusted by ${results.map((r) => r.connector).join(', ')}\n` : 'no connector answered adjust\n');
}

/** `web.cpu=0.5` -> `{ component_name: 'web', setting_name: 'cpu', value: 0.5 }` */
export function parseAdjustment(text: string): { component_name: string; setting_name: string; value: number | string } {
  const m = PAIR.exec(text);
  if (!m) throw new UsageError(`cannot read adjustment "${text}": expected COMPONENT.SETTING=VALUE, e.g. web.cpu=0.5`);
  const raw = m[3]!;
  const n = Number(raw);
  return { component_name: m[1]!, setting_name: m[2]!, value: raw.trim() !== '' && Number.isFinite(n) ? n : raw };
}
