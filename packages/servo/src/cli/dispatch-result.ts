import type { DispatchResult } from '../events/dispatch.js';
import { ExitError } from '../errors.js';
import { ExitCodes } from './exit-codes.js';
import { terminalText } from './terminal.js';

/**
 * The results of a completed dispatch; a cancelled one ends the command with
 * exit code 1 and says who cancelled it and why, on one line with control
 * characters escaped (the reason comes from a remote peer or a script). Errors
 * of after handlers do not fail the command; each is reported on `io.stderr`.
 */
export function completedResults<R>(
  result: DispatchResult<R>,
  io: { readonly stderr: NodeJS.WritableStream },
): { connector: string; value?: R; error?: Error }[] {
  if (result.status === 'cancelled') {
    const by = result.source ? `${result.cancelledBy} (${result.source})` : result.cancelledBy;
    throw new ExitError(ExitCodes.failed, `servo: ${result.event} cancelled by ${by}: ${terminalText(result.reason)}`);
  }
  for (const e of result.afterErrors) io.stderr.write(`servo: warning: ${terminalText(e.message, { multiline: true })}\n`);
  return result.results;
}
