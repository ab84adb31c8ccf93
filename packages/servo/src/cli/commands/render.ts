import type { Measurement, Setting } from '../../model/index.js';

/** `min..max step s` for a range setting, the values of an enum setting. */
export function settingRange(s: Setting): string {
  if (s.type === 'enum') return s.values.join('|');
  return `${s.min}..${s.max} step ${s.step}`;
}

/** Rows `[connector, metric, unit, time, value]` for a Measurement's readings (data points or time series). */
export function readingRows(connector: string, measurement: Measurement | undefined): unknown[][] {
  const rows: unknown[][] = [];
  for (const r of measurement?.readings ?? []) {
    const points = 'data_points' in r ? r.data_points : [r];
    for (const p of points) rows.push([connector, p.metric.name, p.metric.unit, p.time, p.value]);
  }
  return rows;
}
