/** `min..max step s` for a range setting, the values of an enum setting. */
export function settingRange(s: { type?: string; min?: unknown; max?: unknown; step?: unknown; values?: unknown[] }): string {
  if (s.type === 'enum' && Array.isArray(s.values)) return s.values.join('|');
  if (s.min !== undefined && s.max !== undefined) return `${s.min}..${s.max}${s.step !== undefined ? ` step ${s.step}` : ''}`;
  return '';
}

/** Rows `[connector, metric, unit, time, value]` for a Measurement's readings (data points or time series). */
export function readingRows(connector: string, measurement: { readings?: any[] } | undefined): unknown[][] {
  const rows: unknown[][] = [];
  for (const r of measurement?.readings ?? []) {
    const points = Array.isArray(r.data_points) ? r.data_points.map((p: any) => ({ ...p, metric: p.metric ?? r.metric })) : [r];
    for (const p of points) {
      const metric = typeof p.metric === 'string' ? { name: p.metric } : (p.metric ?? {});
      rows.push([connector, metric.name, metric.unit, p.time, p.value]);
    }
  }
  return rows;
}
