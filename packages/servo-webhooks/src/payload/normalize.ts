/**
 * Puts the servo data model in the form servox sent it, for webhook bodies
 * (the core model is left as it is):
 *
 * - times (`created_at`, `run_at` of checks, `time` of data points) are RFC 3339
 *   with microseconds and a numeric offset, `2026-12-01T00:52:10.620000+00:00`
 *   (Python 3.7-3.10 `datetime.fromisoformat` reads that, not `Z`); a time
 *   without an offset is taken as UTC, digits below the microsecond are cut;
 * - optional fields are present as `null` when unset: a time series' `id`,
 *   `annotation`, `metadata`; a setting's `unit`, `value`; a control's
 *   `settlement`, `load`, `userdata`, `environment`; a check's `description`,
 *   `tags`, `message`, `hint`, `run_at`;
 * - a time series' data points are sorted by time (receivers take the last as the latest).
 *
 * Only the standard events' parameters and results are touched, and only
 * values of the expected shape: anything else passes through unchanged. Never
 * throws, never changes its input (changed parts are copies).
 * @module
 */

/**
 * A number the servo model declares as a float (a data point's `value`, a
 * range setting's bounds). Made only for the legacy wire, whose writer prints
 * it as Python prints a float (`87.0`, `-0.0`).
 */
export class FloatNumber {
  /** @param value the number */
  constructor(readonly value: number) {}
}

/** How to normalise. */
export interface NormalizeOptions {
  /** Wrap the model's float fields in {@link FloatNumber} (legacy wire only). */
  readonly floats?: boolean;
}

const TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * `text` as RFC 3339 with microseconds and a numeric offset (the offset given
 * is kept; `Z` and none become `+00:00`), or `text` unchanged when it is not an
 * ISO 8601 date-time.
 * @example rfc3339('2026-12-01T00:52:10.62Z') // '2026-12-01T00:52:10.620000+00:00'
 */
export function rfc3339(text: string): string {
  const m = TIME.exec(text);
  if (!m) return text;
  const [, date, hh, mm, ss = '00', frac = '', zone] = m;
  let offset = '+00:00';
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  return `${date}T${hh}:${mm}:${ss}.${frac.slice(0, 6).padEnd(6, '0')}${offset}`;
}

/** A `Date` as RFC 3339 in UTC with microseconds: `2026-12-01T00:52:10.620000+00:00`. */
export function formatTime(date: Date): string {
  const iso = date.toISOString(); // 2026-12-01T00:52:10.620Z (years 0-9999)
  return `${iso.slice(0, -1)}000+00:00`;
}

/** The parameters of standard event `event` (e.g. `measure`) in the servox form. */
export function normalizeParams(event: string, params: unknown): unknown {
  if (!isObject(params)) return params;
  switch (event) {
    case 'describe':
    case 'measure':
    case 'adjust':
      return isObject(params.control) ? { ...params, control: withNulls(params.control, CONTROL_OPTIONAL) } : params;
    default:
      return params;
  }
}

/** One connector's result of standard event `event` in the servox form. */
export function normalizeResult(event: string, value: unknown, opts: NormalizeOptions = {}): unknown {
  try {
    switch (event) {
      case 'measure':
        return measurement(value, opts);
      case 'describe':
      case 'adjust':
        return description(value, opts);
      case 'components':
        return Array.isArray(value) ? value.map((c) => component(c, opts)) : value;
      case 'check':
        return Array.isArray(value) ? value.map(check) : value;
      default:
        return value;
    }
  } catch {
    return value; // a getter that throws: the serialiser reduces the value as it is
  }
}

const CONTROL_OPTIONAL = ['settlement', 'load', 'userdata', 'environment'] as const;
const SERIES_OPTIONAL = ['id', 'annotation', 'metadata'] as const;
const SETTING_OPTIONAL = ['unit', 'value'] as const;
const CHECK_OPTIONAL = ['description', 'tags', 'message', 'hint', 'run_at'] as const;
const RANGE_FLOATS = ['min', 'max', 'step', 'value'] as const;

function measurement(value: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(value) || !Array.isArray(value.readings)) return value;
  return { ...value, readings: value.readings.map((r) => (isObject(r) && Array.isArray(r.data_points) ? series(r, opts) : dataPoint(r, opts))) };
}

function series(ts: Record<string, unknown>, opts: NormalizeOptions): unknown {
  const points = (ts.data_points as unknown[]).map((p) => dataPoint(p, opts));
  const keyed = points.map((p, i) => ({ p, i, t: isObject(p) ? instant(p.time) : Number.NaN }));
  // Stable, by instant; points without a readable time keep their place at the end.
  keyed.sort((a, b) => (Number.isNaN(a.t) ? (Number.isNaN(b.t) ? a.i - b.i : 1) : Number.isNaN(b.t) ? -1 : a.t - b.t || a.i - b.i));
  return withNulls({ ...ts, data_points: keyed.map((k) => k.p) }, SERIES_OPTIONAL);
}

function dataPoint(p: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(p)) return p;
  const out: Record<string, unknown> = { ...p };
  out.time = time(p.time);
  if (opts.floats && typeof p.value === 'number') out.value = new FloatNumber(p.value);
  return out;
}

function description(value: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(value) || !Array.isArray(value.components)) return value;
  return { ...value, components: value.components.map((c) => component(c, opts)) };
}

function component(c: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(c) || !Array.isArray(c.settings)) return c;
  return { ...c, settings: c.settings.map((s) => setting(s, opts)) };
}

function setting(s: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(s)) return s;
  const out = withNulls(s, SETTING_OPTIONAL);
  // servox declares range bounds as floats, except replicas (integers) and memory (bytes, integers).
  if (opts.floats && s.type === 'range' && s.name !== 'replicas' && s.unit !== 'bytes') {
    for (const k of RANGE_FLOATS) if (typeof out[k] === 'number') out[k] = new FloatNumber(out[k] as number);
  }
  return out;
}

function check(c: unknown): unknown {
  if (!isObject(c)) return c;
  const out = withNulls(c, CHECK_OPTIONAL);
  out.created_at = time(out.created_at);
  out.run_at = time(out.run_at);
  return out;
}

/** A copy of `o` with each of `keys` that is absent or `undefined` set to `null`. */
function withNulls(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) if (out[k] === undefined) out[k] = null;
  return out;
}

/** Milliseconds since the epoch of a (normalised) time, with its microseconds as a fraction; NaN when unreadable. */
function instant(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const t = rfc3339(value);
  const ms = Date.parse(t);
  const micros = /\.\d{3}(\d{3})/.exec(t)?.[1];
  return Number.isNaN(ms) ? ms : ms + (micros ? Number(micros) / 1000 : 0);
}

/** A plain object (class instances keep their own serialisation, `toJSON` included). */
function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A time as a string or `Date`, normalised; anything else unchanged. */
function time(t: unknown): unknown {
  if (typeof t === 'string') return rfc3339(t);
  return t instanceof Date && Number.isFinite(t.getTime()) ? formatTime(t) : t;
}
