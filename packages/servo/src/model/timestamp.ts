import { z } from 'zod';

/**
 * An ISO 8601 date-time string, e.g. `"2025-03-01T12:00:00.123456+00:00"`,
 * `"2025-03-01T12:00:00Z"`, or without an offset as Python's naive
 * `datetime.now()` writes it.
 */
export const Timestamp = z.iso
  .datetime({ offset: true, local: true, error: 'expected an ISO 8601 date-time such as "2025-03-01T12:00:00Z"' })
  .meta({ id: 'Timestamp', description: 'ISO 8601 date-time, e.g. "2025-03-01T12:00:00Z"' });
/** An ISO 8601 date-time string. */
export type Timestamp = z.output<typeof Timestamp>;
