import { z } from 'zod';
import { Metric } from './metric.js';
import { Timestamp } from './timestamp.js';

/** One reading of a metric at a point in time. */
export const DataPoint = z
  .object({
    metric: Metric,
    time: Timestamp.describe('When the value was read (ISO 8601)'),
    value: z.number().describe('The value read'),
  })
  .meta({ id: 'DataPoint', description: 'One reading of a metric at a point in time' });
/** One reading of a metric at a point in time. */
export type DataPoint = z.output<typeof DataPoint>;

/** A series of readings of one metric. */
export const TimeSeries = z
  .object({
    metric: Metric,
    data_points: z.array(DataPoint).describe('The readings, oldest first'),
    id: z.string().nullish().describe('Identifier of the series, e.g. an instance name'),
    annotation: z.string().nullish().describe('Free-form note on the series'),
    metadata: z.record(z.string(), z.string()).nullish().describe('Labels of the series'),
  })
  .meta({ id: 'TimeSeries', description: 'A series of readings of one metric' });
/** A series of readings of one metric. */
export type TimeSeries = z.output<typeof TimeSeries>;

type BranchIssues = readonly (readonly { path: PropertyKey[]; message: string }[])[];

/** The first issue of the branch the input came closest to (fewest issues), as `; as KIND: path: message`. */
function closestBranch(errors: BranchIssues): string {
  let best = 0;
  errors.forEach((issues, i) => {
    if (issues.length < errors[best]!.length) best = i;
  });
  const issue = errors[best]?.[0];
  if (!issue) return '';
  const path = issue.path.map(String).join('.');
  return `; as ${best === 0 ? 'data points' : 'time series'}: ${path ? `${path}: ` : ''}${issue.message}`;
}

/** The readings of a measurement: all data points, or all time series. */
export const Readings = z
  .union([z.array(DataPoint), z.array(TimeSeries)], {
    error: (iss) =>
      `expected a list of data points or a list of time series (not a mix)${
        iss.code === 'invalid_union' && 'errors' in iss ? closestBranch(iss.errors as BranchIssues) : ''
      }`,
  })
  .meta({ description: 'All data points, or all time series' });

/** The answer to the `measure` event. */
export const Measurement = z
  .object({
    readings: Readings.default([]),
    annotations: z.record(z.string(), z.string()).default({}).describe('Notes on the measurement, by name'),
  })
  .meta({ id: 'Measurement', description: 'Readings taken by a measure event, with annotations' });
/** The answer to the `measure` event. */
export type Measurement = z.output<typeof Measurement>;
