import { z } from 'zod';
import { Duration } from './duration.js';

const settings = z.record(z.string(), z.unknown());

/**
 * How an operation runs: how long to measure, how long to wait first, and
 * free-form load, user data and environment for the connectors. Durations
 * default to `"0s"` and are normalised to canonical strings.
 */
export const Control = z
  .object({
    duration: Duration.prefault('0s').describe('How long to measure'),
    delay: Duration.prefault('0s').describe('How long to wait before starting'),
    warmup: Duration.prefault('0s').describe('How long to let the system warm up before measuring'),
    settlement: Duration.nullish().describe('How long to let the system settle after an adjustment'),
    load: settings.nullish().describe('Load to generate while measuring, connector-specific'),
    userdata: settings.nullish().describe('Free-form data for the connectors'),
    environment: settings.nullish().describe('Environment of the operation, connector-specific'),
  })
  .meta({ id: 'Control', description: 'Timing and context of a describe, measure or adjust operation' });
/** Timing and context of an operation. */
export type Control = z.output<typeof Control>;
