import { z } from 'zod';

/**
 * Unit of a metric, as servox serialises it. `""` covers servox's float,
 * int, count and rate units.
 */
export const Unit = z.enum(['', '%', 'ms', 'bytes', 'GiB', 'cores', 'rpm', 'rps']).meta({
  id: 'Unit',
  description: 'Unit of a metric: "" (float, int, count, rate), "%", "ms", "bytes", "GiB", "cores", "rpm" (requests per minute), "rps" (requests per second)',
});
/** Unit of a metric. */
export type Unit = z.output<typeof Unit>;

/** servox's names of the units, mapped to their serialised values. */
export const UNIT_NAMES: Readonly<Record<string, Unit>> = Object.freeze({
  float: '',
  int: '',
  count: '',
  rate: '',
  percentage: '%',
  milliseconds: 'ms',
  bytes: 'bytes',
  gibibytes: 'GiB',
  cores: 'cores',
  requests_per_minute: 'rpm',
  requests_per_second: 'rps',
});

/** A named quantity a servo can measure, e.g. `{ name: "throughput", unit: "rpm" }`. */
export const Metric = z
  .object({
    name: z.string().min(1).describe('Name of the metric, e.g. "throughput"'),
    unit: Unit.default(''),
  })
  .meta({ id: 'Metric', description: 'A named quantity that can be measured' });
/** A named quantity a servo can measure. */
export type Metric = z.output<typeof Metric>;
