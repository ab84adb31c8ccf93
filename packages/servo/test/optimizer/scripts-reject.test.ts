/** The scripts connector: an on adjust command exiting 101 rejects the adjustment, its first output line the reason. */
import { describe, expect, it } from 'vitest';
import { scriptOnHandler } from '../../src/connectors/scripts/handlers.js';
import { adjust } from '../../src/events/standard.js';
import { isAdjustmentRejectedError } from '../../src/errors.js';
import { recordingLogger } from '../../../../test-support/index.js';

const runner = { connector: 'scripts', shell: '/bin/sh', cwd: '/tmp', timeoutMs: 5000, logger: recordingLogger() };
const ctx = { event: adjust, params: {}, signal: new AbortController().signal, progress: () => {} };

describe('scripts: on adjust exit 101', () => {
  it('throws AdjustmentRejectedError with the first line of stdout as the reason', async () => {
    const h = scriptOnHandler('adjust', ['echo "  too many replicas"; echo more; exit 101'], runner);
    const err = await Promise.resolve(h({}, ctx as never)).catch((e: unknown) => e);
    expect(isAdjustmentRejectedError(err)).toBe(true);
    expect((err as { reason: string }).reason).toBe('too many replicas');
  });

  it('is an ordinary failure for other events', async () => {
    const h = scriptOnHandler('measure', ['exit 101'], runner);
    const err = await Promise.resolve(h({}, ctx as never)).catch((e: unknown) => e);
    expect(isAdjustmentRejectedError(err)).toBe(false);
  });
});
