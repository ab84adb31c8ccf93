import { describe, expect, it } from 'vitest';
import { DataPoint, Measurement, Metric, TimeSeries, UNIT_NAMES, Unit } from '../../src/model/index.js';

const throughput = { name: 'throughput', unit: 'rpm' };
const latency = { name: 'latency_p99', unit: 'ms' };

/** A measure answer with time series, as servox serialises it. */
const servoxSeries = {
  readings: [
    {
      metric: throughput,
      data_points: [
        { metric: throughput, time: '2025-03-01T12:00:00.000000+00:00', value: 1234.5 },
        { metric: throughput, time: '2025-03-01T12:00:30.000000+00:00', value: 1302 },
      ],
      id: 'web-7d9f-1',
      annotation: null,
      metadata: { pod: 'web-7d9f-1', namespace: 'shop' },
    },
    { metric: latency, data_points: [], id: null, annotation: 'no traffic', metadata: null },
  ],
  annotations: { source: 'prometheus', query: 'sum(rate(http_requests_total[1m]))' },
};

/** A measure answer with plain data points. */
const servoxPoints = {
  readings: [
    { metric: throughput, time: '2025-03-01T12:00:00Z', value: 1200 },
    { metric: latency, time: '2025-03-01T12:00:00.123456', value: 87.5 },
  ],
  annotations: {},
};

describe('Metric', () => {
  it('accepts every unit servox serialises and defaults to ""', () => {
    for (const unit of Unit.options) expect(Metric.parse({ name: 'm', unit })).toEqual({ name: 'm', unit });
    expect(Metric.parse({ name: 'count' })).toEqual({ name: 'count', unit: '' });
    expect(new Set(Object.values(UNIT_NAMES))).toEqual(new Set(Unit.options));
  });

  it('rejects unknown units and empty names', () => {
    const r = Metric.safeParse({ name: 'm', unit: 'furlongs' });
    expect(r.error!.issues[0]!.path).toEqual(['unit']);
    expect(r.error!.issues[0]!.message).toMatch(/"%"|rps/);
    expect(Metric.safeParse({ name: '', unit: '' }).error!.issues[0]!.path).toEqual(['name']);
  });
});

describe('Measurement', () => {
  it.each([
    ['time series', servoxSeries],
    ['data points', servoxPoints],
  ])('round-trips servox readings as %s', (_kind, input) => {
    const parsed = Measurement.parse(input);
    expect(parsed).toEqual(input);
    expect(Measurement.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('keeps each kind apart', () => {
    expect(TimeSeries.array().safeParse(Measurement.parse(servoxSeries).readings).success).toBe(true);
    expect(DataPoint.array().safeParse(Measurement.parse(servoxPoints).readings).success).toBe(true);
  });

  it('defaults to no readings and no annotations', () => {
    expect(Measurement.parse({})).toEqual({ readings: [], annotations: {} });
  });

  it('rejects a mix of data points and time series, saying so', () => {
    const r = Measurement.safeParse({ readings: [servoxPoints.readings[0], servoxSeries.readings[1]] });
    expect(r.error!.issues[0]!.path).toEqual(['readings']);
    expect(r.error!.issues[0]!.message).toMatch(/^expected a list of data points or a list of time series \(not a mix\); as /);
  });

  it('points at the bad field of a reading', () => {
    const r = Measurement.safeParse({ readings: [{ metric: throughput, time: '2025-03-01T12:00:00Z', value: 'high' }] });
    expect(r.error!.issues[0]!.message).toContain('as data points: 0.value: ');
    const t = Measurement.safeParse({
      readings: [{ metric: throughput, data_points: [{ metric: throughput, time: 'yesterday', value: 1 }] }],
    });
    expect(t.error!.issues[0]!.path).toEqual(['readings', 0, 'data_points', 0, 'time']);
    expect(t.error!.issues[0]!.message).toMatch(/ISO 8601/);
  });

  it('rejects non-string annotations', () => {
    const r = Measurement.safeParse({ readings: [], annotations: { n: 1 } });
    expect(r.error!.issues[0]!.path).toEqual(['annotations', 'n']);
  });
});
