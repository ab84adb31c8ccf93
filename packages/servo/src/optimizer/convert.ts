/**
 * Conversions between the servo data model and the optimizer's wire forms,
 * as servox makes them: a Description becomes a `descriptor` (CPU in float
 * cores, memory in float GiB, replicas as integers), an ADJUST `state`
 * becomes a list of Adjustments (values verbatim, as servox passes them),
 * a Measurement becomes `metrics` (a data point `{unit, value}`, time series
 * `values: [{id, data: [[epoch_s, value]]}]`) and `annotations`.
 * @module
 */
import type { Adjustment } from '../model/adjustment.js';
import type { Description } from '../model/description.js';
import type { Measurement } from '../model/measurement.js';
import type { Setting } from '../model/setting.js';
import type { MeasureParam, WireApplication, WireControl, WireDescriptor, WireMetric, WireSetting } from './protocol.js';

const GIB = 1024 ** 3;

/** One setting in the optimizer's form. */
export function wireSetting(s: Setting): WireSetting {
  if (s.type === 'enum') {
    return { type: 'enum', ...(s.unit != null ? { unit: s.unit } : {}), values: [...s.values], pinned: s.pinned ?? false, value: s.value ?? null };
  }
  let { min, max, step } = s;
  let value = s.value ?? null;
  let unit = s.unit ?? undefined;
  if (unit === 'bytes') {
    // Memory: servox reports GiB as floats.
    [min, max, step] = [min / GIB, max / GIB, step / GIB];
    if (value !== null) value /= GIB;
    unit = 'GiB';
  } else if (s.name === 'replicas') {
    [min, max, step] = [Math.round(min), Math.round(max), Math.round(step)];
    if (value !== null) value = Math.round(value);
  }
  return { type: 'range', ...(unit !== undefined ? { unit } : {}), min, max, step, pinned: s.pinned ?? false, value };
}

/** The components of a description in the optimizer's form. */
export function wireApplication(d: Pick<Description, 'components'>): WireApplication {
  const components: WireApplication['application']['components'] = {};
  for (const c of d.components) {
    const settings: Record<string, WireSetting> = {};
    for (const s of c.settings) settings[s.name] = wireSetting(s);
    components[c.name] = { settings };
  }
  return { application: { components } };
}

/** A Description as DESCRIPTION's `descriptor`. */
export function toDescriptor(d: Description): WireDescriptor {
  const metrics: Record<string, { unit: string }> = {};
  for (const m of d.metrics) metrics[m.name] = { unit: m.unit };
  return { ...wireApplication(d), measurement: { metrics } };
}

/** Several connectors' descriptions as one (components and metrics, in order). */
export function mergeDescriptions(ds: readonly (Description | undefined | null)[]): Description {
  return { components: ds.flatMap((d) => d?.components ?? []), metrics: ds.flatMap((d) => d?.metrics ?? []) };
}

/** An ADJUST `state` as Adjustments: every setting that carries a value. */
export function toAdjustments(state: unknown): Adjustment[] {
  const components = (state as WireApplication | undefined)?.application?.components;
  if (!components || typeof components !== 'object') return [];
  const out: Adjustment[] = [];
  for (const [component_name, c] of Object.entries(components)) {
    for (const [setting_name, s] of Object.entries(c?.settings ?? {})) {
      const value = (s as WireSetting | undefined)?.value;
      if (typeof value === 'number' || typeof value === 'string') out.push({ component_name, setting_name, value });
    }
  }
  return out;
}

/** The metric names of a MEASURE param (a list, or the keys of a mapping). */
export function metricNames(param: Pick<MeasureParam, 'metrics'> | undefined): string[] | undefined {
  const m = param?.metrics;
  if (m == null) return undefined;
  return Array.isArray(m) ? m.map(String) : Object.keys(m);
}

/** A command's control as the events' Control input (`past` is servox's alias of `delay`). */
export function toControl(control: WireControl | undefined): Record<string, unknown> {
  if (!control || typeof control !== 'object') return {};
  const { past, ...rest } = control;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) out[k] = v;
  if (out.delay === undefined && past !== undefined && past !== null) out.delay = past;
  return out;
}

/** A Measurement as MEASUREMENT's `metrics` and `annotations`. `now` names a series without an id. */
export function toMetrics(
  measurements: readonly (Measurement | undefined | null)[],
  now: () => number = Date.now,
): { metrics: Record<string, WireMetric>; annotations: Record<string, string> } {
  const metrics: Record<string, WireMetric> = {};
  const annotations: Record<string, string> = {};
  for (const m of measurements) {
    if (!m) continue;
    Object.assign(annotations, m.annotations);
    for (const r of m.readings) {
      if ('data_points' in r) {
        const data = r.data_points.map((p) => [epochSeconds(p.time), p.value] as [number, number]);
        const series = {
          id: r.id ?? String(Math.floor(now() / 1000)),
          data,
          ...(r.annotation != null ? { annotation: r.annotation } : {}),
          ...(r.metadata != null ? { metadata: r.metadata } : {}),
        };
        const existing = metrics[r.metric.name];
        if (existing && 'values' in existing) existing.values.push(series);
        else metrics[r.metric.name] = { unit: r.metric.unit, values: [series] };
      } else {
        metrics[r.metric.name] = { unit: r.metric.unit, value: r.value };
      }
    }
  }
  return { metrics, annotations };
}

function epochSeconds(time: unknown): number {
  const ms = time instanceof Date ? time.getTime() : Date.parse(String(time));
  return ms / 1000;
}
