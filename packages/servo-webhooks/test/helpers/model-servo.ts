/**
 * An in-process servo whose `model` connector answers every standard event
 * with data of the servo model (times in several ISO 8601 forms, unset
 * optional fields, unsorted data points, non-ASCII and astral text, edge
 * floats), beside the webhooks connector with a before- and an after-webhook
 * on each of those events, all pointing at one receiver.
 * @module
 */
import { Servo, defineConnector, silentLogger, z } from 'servo-core';
import type { Receiver } from '../../../../test-support/index.js';
import { webhooks } from './servo.js';

/** Text with non-ASCII (BMP) and astral characters, quotes, a backslash and control characters. */
export const TEXT = 'latência ✓ “q” 😀 \\ \u0007 \u007f tab\t';

/** Standard events dispatched by {@link dispatchAll}, with their parameters. */
export const EVENTS: readonly (readonly [string, Record<string, unknown>])[] = [
  ['startup', {}],
  ['metrics', {}],
  ['components', {}],
  ['check', {}],
  ['describe', { control: { userdata: { note: TEXT } } }],
  ['measure', { metrics: ['throughput', TEXT], control: { duration: '5m' } }],
  ['adjust', { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1.5 }] }],
  ['promote', {}],
  ['shutdown', {}],
];

const DESCRIPTION = {
  components: [
    {
      name: 'web',
      settings: [
        { name: 'cpu', type: 'range', min: 0.25, max: 4, step: 0.125, value: 1, unit: 'cores', pinned: false },
        { name: 'mem', type: 'range', min: 134217728, max: 4294967296, step: 134217728, pinned: false, unit: 'bytes' },
        { name: 'replicas', type: 'range', min: 1, max: 10, step: 1, pinned: false },
        { name: 'inst_type', type: 'enum', values: ['m5.large', TEXT], pinned: true },
      ],
    },
  ],
  metrics: [{ name: 'throughput', unit: 'rps' }],
};

/** The time series the measure answer holds: data points out of order, times in four forms. */
export const SERIES = {
  metric: { name: 'throughput', unit: 'rps' },
  data_points: [
    { metric: { name: 'throughput', unit: 'rps' }, time: '2026-12-01T00:52:10.62Z', value: 87 },
    { metric: { name: 'throughput', unit: 'rps' }, time: '2026-12-01T02:52:09+02:00', value: 1e16 },
    { metric: { name: 'throughput', unit: 'rps' }, time: '2026-12-01T00:52:11.1234567', value: 1e-5 },
    { metric: { name: 'throughput', unit: 'rps' }, time: '2026-12-01T00:52:10.5-00:30', value: -0 },
  ],
};

/** What the model connector answers, by event. */
export const ANSWERS: Record<string, unknown> = {
  metrics: [{ name: 'throughput', unit: 'rps' }],
  components: DESCRIPTION.components,
  check: [{ name: `model ${TEXT}`, id: 'model', severity: 'common', success: true, created_at: '2026-12-01T00:52:10Z' }],
  describe: DESCRIPTION,
  adjust: DESCRIPTION,
  measure: { readings: [SERIES, { ...SERIES, id: 'pod-1', annotation: TEXT, metadata: { zone: 'eu' } }], annotations: { note: TEXT } },
};

/** Webhook entries (one before-, one after-webhook per event of {@link EVENTS}) to `rx`, with `extra` fields. */
export function modelWebhooks(rx: Receiver, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  return EVENTS.flatMap(([event]) =>
    (['before', 'after'] as const).map((p) => ({ name: `${p}_${event}`, events: `${p}:${event}`, url: rx.url(`/${p}/${event}`), secret: 's3cr3t!', ...extra })),
  );
}

/** A started servo with the model connector and the webhooks connector configured with `config`. */
export async function modelServo(config: unknown): Promise<Servo> {
  const model = defineConnector({
    type: 'model',
    metadata: { version: '0.0.1', description: 'answers every standard event', maturity: 'experimental' },
    config: z.object({}),
    setup(ctx) {
      for (const [event, answer] of Object.entries(ANSWERS)) ctx.on(event, () => structuredClone(answer) as never);
    },
  });
  const servo = await Servo.create({ name: 'model-servo', logger: silentLogger, connectors: [{ definition: model }, { definition: webhooks, config }] });
  await servo.start();
  return servo;
}

/** Dispatches every event of {@link EVENTS}; throws when one does not complete. */
export async function dispatchAll(servo: Servo): Promise<void> {
  for (const [event, params] of EVENTS) {
    const r = await servo.dispatch(event, params);
    if (r.status !== 'completed') throw new Error(`${event}: ${JSON.stringify(r)}`);
  }
}
