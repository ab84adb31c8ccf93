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

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * `text` as RFC 3339 with microseconds and a numeric offset (the offset given
 * is kept; `Z` and none become `+00:00`), or `text` unchanged when it is not an
 * ISO 8601 date-time.
 * @example rfc3339('2026-12-01T00:52:10.62Z') // '2026-12-01T00:52:10.620000+00:00'
 */
export function rfc3339(text: string): string {
  // The form Date#toISOString() writes, by far the most common: no regular expression needed.
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && ISO_MS.test(text)) return `${text.slice(0, 23)}000+00:00`;
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
  return withNulls({ ...ts, data_points: inTimeOrder(points) ? points : byTime(points) }, SERIES_OPTIONAL);
}

/**
 * True when `points` are already in time order, which is the usual case: told
 * from the normalised strings alone while they share one offset (fixed-width
 * RFC 3339 with the same offset sorts as text), from their instants otherwise.
 */
function inTimeOrder(points: readonly unknown[]): boolean {
  for (let i = 1; i < points.length; i++) {
    const a = (points[i - 1] as { time?: unknown } | null)?.time;
    const b = (points[i] as { time?: unknown } | null)?.time;
    if (typeof a === 'string' && typeof b === 'string' && a.length === 32 && b.length === 32 && a.endsWith(b.slice(26))) {
      if (a > b) return false;
    } else if (!(instant(a) <= instant(b))) {
      return false;
    }
  }
  return true;
}

/** `points` sorted by instant, stably; points without a readable time keep their order at the end. */
function byTime(points: readonly unknown[]): unknown[] {
  const keyed = points.map((p, i) => ({ p, i, t: isObject(p) ? instant(p.time) : Number.NaN }));
  keyed.sort((a, b) => (Number.isNaN(a.t) ? (Number.isNaN(b.t) ? a.i - b.i : 1) : Number.isNaN(b.t) ? -1 : a.t - b.t || a.i - b.i));
  return keyed.map((k) => k.p);
}

function dataPoint(p: unknown, opts: NormalizeOptions): unknown {
  if (!isObject(p)) return p;
  const t = time(p.time);
  const float = opts.floats === true && typeof p.value === 'number';
  if (t === p.time && !float) return p;
  const out: Record<string, unknown> = { ...p };
  out.time = t;
  if (float) out.value = new FloatNumber(p.value as number);
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
  if (!opts.floats || s.type !== 'range' || s.name === 'replicas' || s.unit === 'bytes') return out;
  const floats = { ...out };
  for (const k of RANGE_FLOATS) if (typeof floats[k] === 'number') floats[k] = new FloatNumber(floats[k] as number);
  return floats;
}

function check(c: unknown): unknown {
  if (!isObject(c)) return c;
  const out = { ...withNulls(c, CHECK_OPTIONAL) };
  out.created_at = time(out.created_at);
  out.run_at = time(out.run_at);
  return out;
}

/**
 * `o` with each of `keys` that is absent or `undefined` set to `null` (a copy
 * when one is). One `Object.assign` of the missing keys rather than a spread
 * copy extended key by key: measured in bench/recovery.mjs, the key-by-key form
 * left a body's garbage to the old generation (peak RSS 200 MB instead of 118).
 */
function withNulls(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  let missing: Record<string, null> | undefined;
  for (const k of keys) if (o[k] === undefined) (missing ??= {})[k] = null;
  return missing === undefined ? o : Object.assign({}, o, missing);
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
