/**
 * Go-style durations: `"300ms"`, `"5m"`, `"2h45m"`, `"72h3m0.5s"`; numbers
 * mean seconds.
 * @module
 */
import { z } from 'zod';
import { InvalidValueError } from './value-error.js';

/** What a duration must look like; the text of every duration error. */
export const DURATION_EXPECTED = 'expected a duration such as "300ms", "5m" or "2h45m" (units: ns, us, ms, s, m, h, d, w, mm, y) or a number of seconds';

const UNIT = '(?:ns|us|µs|μs|ms|mm|s|m|h|d|w|y)';
const DECIMAL = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)';

/**
 * Regular expression source of an accepted duration string: a sequence of
 * decimal numbers each followed by a unit, or a bare number of seconds.
 * Emitted as the JSON Schema `pattern`.
 */
export const DURATION_PATTERN = `^(?:${DECIMAL}|(?:${DECIMAL}${UNIT})+)$`;

const DURATION_RE = new RegExp(DURATION_PATTERN);
const SECONDS_RE = new RegExp(`^${DECIMAL}$`);
const TOKEN_RE = new RegExp(`(\\d*)(?:\\.(\\d*))?(${UNIT})`, 'y');

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign, as Go accepts
  μs: 1_000n, // U+03BC Greek mu, as Go accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  mm: 2_592_000_000_000_000n, // a month is 30 days
  y: 31_536_000_000_000_000n, // a year is 365 days
};

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const NS_PER_M = 60n * NS_PER_S;
const NS_PER_H = 60n * NS_PER_M;

/**
 * Parses a duration into milliseconds.
 *
 * Strings are Go-style (`"300ms"`, `"5m"`, `"2h45m"`, `"72h3m0.5s"`; units
 * ns, us, ms, s, m, h, d, w, mm = 30 days, y = 365 days) or a bare number of
 * seconds (`"30"`); numbers are seconds. Decimal fractions are exact to the
 * nanosecond.
 *
 * @returns the duration in milliseconds (fractional below 1 ms).
 * @throws InvalidValueError naming the input and the accepted forms.
 * @example
 * parseDuration('2h45m'); // 9_900_000
 * parseDuration(1.5);     // 1_500
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new InvalidValueError('duration', input, DURATION_EXPECTED);
    return Number.isInteger(input) ? input * 1000 : Math.round(input * 1e9) / 1e6;
  }
  if (typeof input !== 'string' || !DURATION_RE.test(input)) {
    throw new InvalidValueError('duration', input, DURATION_EXPECTED);
  }
  if (SECONDS_RE.test(input)) return nsToMs(decimalTimes(input, NS_PER_S));
  let ns = 0n;
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(input); m !== null; m = TOKEN_RE.exec(input)) {
    ns += decimalTimes(`${m[1] ?? ''}.${m[2] ?? ''}`, NS_PER_UNIT[m[3]!]!);
  }
  return nsToMs(ns);
}

/**
 * Formats milliseconds as a canonical Go-style duration: hours, minutes and
 * (fractional) seconds with zero parts left out, or ms/us/ns below a second.
 *
 * @throws InvalidValueError for a negative or non-finite value.
 * @example
 * formatDuration(300_000);   // "5m"
 * formatDuration(9_900_000); // "2h45m"
 * formatDuration(0.5);       // "500us"
 * formatDuration(0);         // "0s"
 */
export function formatDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidValueError('duration', ms, 'expected a finite, non-negative number of milliseconds');
  }
  const whole = Math.trunc(ms);
  const ns = BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
  if (ns === 0n) return '0s';
  if (ns < 1_000n) return `${ns}ns`;
  if (ns < NS_PER_MS) return `${fixed(ns, 3)}us`;
  if (ns < NS_PER_S) return `${fixed(ns, 6)}ms`;
  const h = ns / NS_PER_H;
  const m = (ns % NS_PER_H) / NS_PER_M;
  const s = ns % NS_PER_M;
  return `${h > 0n ? `${h}h` : ''}${m > 0n ? `${m}m` : ''}${s > 0n ? `${fixed(s, 9)}s` : ''}`;
}

/** `value * unit` for a decimal string, exact (fraction truncated below 1 ns, as Go does). */
function decimalTimes(decimal: string, unit: bigint): bigint {
  const [int = '', frac = ''] = decimal.split('.');
  let ns = BigInt(int || '0') * unit;
  if (frac) {
    const scale = 10n ** BigInt(frac.length);
    ns += (BigInt(frac) * unit) / scale;
  }
  return ns;
}

function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/** `n / 10^digits` as a decimal string without trailing zeros. */
function fixed(n: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const frac = (n % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac ? `${n / scale}.${frac}` : `${n / scale}`;
}

const durationMessage = (iss: { input?: unknown }): string =>
  `invalid duration ${typeof iss.input === 'string' ? JSON.stringify(iss.input) : String(iss.input)}: ${DURATION_EXPECTED}`;

/** The accepted input forms of a duration (JSON Schema of the input side). */
const DurationInput = z.union(
  [z.string().regex(DURATION_RE, { error: durationMessage }), z.number().nonnegative({ error: durationMessage }).describe('seconds')],
  { error: durationMessage },
);

function decodeDuration<T>(value: string | number, ctx: { issues: unknown[] }, out: (ms: number) => T): T {
  try {
    return out(parseDuration(value));
  } catch (err) {
    ctx.issues.push({ code: 'custom', input: value, message: (err as Error).message });
    return z.NEVER;
  }
}

/**
 * A duration that parses to its canonical Go-style string: accepts
 * `"2h45m"`, `"165m"` or `9900` (seconds) and outputs `"2h45m"`.
 *
 * Use `z.toJSONSchema(Duration, { io: 'input' })` for what may be written and
 * `io: 'output'` for what is serialised.
 */
export const Duration = z
  .codec(DurationInput, z.string().regex(DURATION_RE).describe('canonical Go-style duration, e.g. "2h45m"'), {
    decode: (value, ctx) => decodeDuration(value, ctx, formatDuration),
    encode: (value) => value,
  })
  .meta({
    id: 'Duration',
    description: 'A Go-style duration such as "300ms", "5m", "2h45m" (units ns, us, ms, s, m, h, d, w, mm = 30d, y = 365d) or a number of seconds',
  });
/** A canonical Go-style duration string, e.g. `"2h45m"`. */
export type Duration = z.output<typeof Duration>;

/**
 * A duration that parses to milliseconds, for configuration such as timeouts.
 * `z.encode(DurationMs, 300000)` gives back `"5m"`.
 */
export const DurationMs = z
  .codec(DurationInput, z.number().nonnegative().describe('milliseconds'), {
    decode: (value, ctx) => decodeDuration(value, ctx, (ms) => ms),
    encode: (ms) => formatDuration(ms),
  })
  .meta({
    description:
      'A duration such as "300ms", "5m" or "2h45m" (units ns, us, ms, s, m, h, d, w, mm = 30d, y = 365d) or a number of seconds; read as milliseconds',
  });
/** A duration in milliseconds. */
export type DurationMs = z.output<typeof DurationMs>;
