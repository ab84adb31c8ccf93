/**
 * In-process assemblies: the webhooks connector (from source) beside a small
 * `target` connector that answers measure and adjust and records what it got.
 * @module
 */
import { Servo, defineConnector, silentLogger, type ConnectorDefinition, type Logger, z } from 'servo-core';
import webhooks from '../../src/connector.js';

/** The measurement the target connector answers (valid for the Measurement model). */
export const MEASUREMENT = {
  readings: [{ metric: { name: 'throughput', unit: 'rps' }, time: '2026-01-01T00:00:00.000Z', value: 1234.5 }],
  annotations: { source: 'test' },
};

/** The description the target connector answers to adjust. */
export const DESCRIPTION = {
  components: [{ name: 'web', settings: [{ name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.25, value: 1, unit: 'cores', pinned: false }] }],
  metrics: [{ name: 'throughput', unit: 'rps' }],
};

/** What the target connector saw. */
export interface TargetLog {
  measured: unknown[];
  adjusted: unknown[];
}

/** A connector type answering measure and adjust, recording its calls in `log`. */
export function targetConnector(log: TargetLog): ConnectorDefinition {
  return defineConnector({
    type: 'target',
    metadata: { version: '0.0.1', description: 'test target', maturity: 'experimental' },
    config: z.object({}),
    setup(ctx) {
      ctx.on('measure', (params) => {
        log.measured.push(params);
        return MEASUREMENT as never;
      });
      ctx.on('adjust', (params) => {
        log.adjusted.push(params);
        return DESCRIPTION as never;
      });
    },
  });
}

/** An assembly of `target` plus the webhooks connector with `config`, and what `target` saw. */
export async function webhooksServo(
  config: unknown,
  opts: { logger?: Logger; extra?: { definition: ConnectorDefinition; name?: string; config?: unknown }[] } = {},
): Promise<{ servo: Servo; log: TargetLog }> {
  const log: TargetLog = { measured: [], adjusted: [] };
  const servo = await Servo.create({
    name: 'e2e-servo',
    logger: opts.logger ?? silentLogger,
    connectors: [{ definition: targetConnector(log) }, ...(opts.extra ?? []), { definition: webhooks, config }],
  });
  return { servo, log };
}

export { webhooks };
