/**
 * JSON text laid out as Python's `json.dumps` writes it with its defaults, for
 * the legacy wire (`wire: legacy`): `", "` and `": "` separators, every
 * character outside printable ASCII escaped as `\uXXXX` (lowercase hex; a
 * character outside the BMP as its surrogate pair), floats as Python's `repr`
 * (`87.0`, `1e+16`, `1e-05`, `-0.0`). A receiver that re-serialises the
 * parsed body with `json.dumps` gets the same bytes back.
 * @module
 */
import { FloatNumber } from './normalize.js';
import { reduceJson } from './serialize.js';

/**
 * Python `json.dumps(value)` text of `value`, after the reductions of
 * `serialize.ts` ({@link FloatNumber} is kept and printed as a float). Never throws.
 */
export function pythonJson(value: unknown): string | undefined {
  const reduced = reduceJson(value);
  return reduced === undefined ? undefined : write(reduced);
}

function write(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return pythonString(v);
    case 'number':
      return pythonNumber(v, false);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null || typeof v !== 'object') return 'null';
  if (v instanceof FloatNumber) return pythonNumber(v.value, true);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ', ') + (v[i] === undefined ? 'null' : write(v[i]));
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const [k, item] of Object.entries(v)) {
    if (item === undefined) continue;
    out += (first ? '' : ', ') + pythonString(k) + ': ' + write(item);
    first = false;
  }
  return out + '}';
}

/**
 * A number as Python writes it: an integer as an int (`87`), unless it is a
 * declared float; any other number, or a declared float, as `repr(float)`.
 * Non-finite numbers are `null` (reduced before this point).
 */
export function pythonNumber(n: number, isFloat: boolean): string {
  if (!Number.isFinite(n)) return 'null';
  if (!isFloat && Number.isInteger(n)) return Object.is(n, -0) ? '0' : BigInt(n).toString();
  if (Object.is(n, -0)) return '-0.0';
  if (n === 0) return '0.0';
  // Shortest round-trip digits (as Python's repr), then Python's layout: fixed from 1e-4 up to 1e16.
  const [mantissa = '', exp = '0'] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text: string;
  if (e >= 0) {
    const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
    const frac = digits.slice(e + 1);
    text = `${int}.${frac || '0'}`;
  } else {
    text = `0.${'0'.repeat(-e - 1)}${digits}`;
  }
  return negative ? `-${text}` : text;
}

const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const SHORT: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string as Python's `json.dumps` (ensure_ascii) writes it. */
export function pythonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) out += s[i];
    else out += SHORT[s[i]!] ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}
