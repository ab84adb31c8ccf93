import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { check as checkEvent } from '../../events/standard.js';
import { ExitError } from '../../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { json, table } from '../output.js';

/** `servo check`: exit 1 when a check fails; a failed check of severity `warning` is shown as WARNING and does not fail it. */
export default async function check(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo();
  const results = completedResults(await servo.dispatch(checkEvent, {}), ctx);
  const checks = results.flatMap((r) => (r.value ?? []).map((c) => ({ connector: r.connector, ...c })));
  const { optimizerCheck } = await import('../../optimizer/check.js');
  const optimizer = await optimizerCheck(servo, ctx.env, ctx.cwd);
  if (optimizer) checks.push({ connector: 'optimizer', ...optimizer });
  if (ctx.output === 'json') ctx.write(json(checks));
  else if (checks.length === 0) ctx.write('no checks\n');
  else {
    ctx.write(
      table(
        ['CONNECTOR', 'CHECK', 'SEVERITY', 'RESULT', 'MESSAGE', 'HINT'],
        checks.map((c) => [c.connector, c.name, c.severity, c.success ? 'ok' : isWarning(c) ? 'WARNING' : 'FAILED', c.message, c.success ? '' : c.hint]),
        { fitTo: ctx.stdout },
      ),
    );
  }
  const failed = checks.filter((c) => !c.success && !isWarning(c)).length;
  if (failed) throw new ExitError(ExitCodes.failed, `servo: ${failed} of ${checks.length} checks failed`);
}

/** A failed check of severity `warning`: advice, not a failure of readiness. */
function isWarning(c: { success: boolean; severity: string }): boolean {
  return !c.success && c.severity === 'warning';
}
