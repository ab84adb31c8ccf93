/**
 * CPU and memory quantities as Kubernetes writes them: `"500m"` cores,
 * `"512Mi"` / `"1Gi"` / `"2G"` bytes.
 * @module
 */
import { z } from 'zod';
import { InvalidValueError } from './value-error.js';

/** What a CPU quantity must look like. */
export const CPU_EXPECTED = 'expected a number of cores such as 2, 0.5 or "500m" (millicores)';
/** What a memory quantity must look like. */
export const MEMORY_EXPECTED =
  'expected a number of bytes or a size such as "512Mi", "1Gi" or "2G" (suffixes k, M, G, T, P, E; Ki, Mi, Gi, Ti, Pi, Ei; optional B)';

const DECIMAL = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)';

/** JSON Schema `pattern` of a CPU quantity string. */
export const CPU_PATTERN = `^${DECIMAL}m?$`;
/** JSON Schema `pattern` of a memory quantity string (suffix letters in either case). */
export const MEMORY_PATTERN = `^${DECIMAL} ?(?:[kKmMgGtTpPeE][iI]?[bB]?|[bB])?$`;

const CPU_RE = new RegExp(CPU_PATTERN);
const MEMORY_RE = new RegExp(`^(${DECIMAL}) ?([a-zA-Z]*)$`);

const MEMORY_FACTORS: Readonly<Record<string, number>> = (() => {
  const f: Record<string, number> = { '': 1, b: 1 };
  'kmgtpe'.split('').forEach((p, i) => {
    f[p] = f[`${p}b`] = 1000 ** (i + 1);
    f[`${p}i`] = f[`${p}ib`] = 1024 ** (i + 1);
  });
  return f;
})();

/**
 * Parses a CPU quantity into cores: `"500m"` → 0.5, `"2"` → 2, `1.5` → 1.5.
 * @throws InvalidValueError naming the input and the accepted forms.
 */
export function parseCpu(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return input;
  } else if (typeof input === 'string' && CPU_RE.test(input)) {
    return input.endsWith('m') ? Number(input.slice(0, -1)) / 1000 : Number(input);
  }
  throw new InvalidValueError('cpu', input, CPU_EXPECTED);
}

/**
 * Parses a memory quantity into bytes: `"512Mi"` → 536870912, `"2G"` →
 * 2000000000, `"1GiB"` → 1073741824, `1024` → 1024. Suffixes are
 * case-insensitive (so `"1m"` is a megabyte, not a Kubernetes milli-byte).
 * @returns a whole number of bytes (rounded).
 * @throws InvalidValueError naming the input and the accepted forms.
 */
export function parseMemory(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return Math.round(input);
  } else if (typeof input === 'string') {
    const m = MEMORY_RE.exec(input);
    const factor = m ? MEMORY_FACTORS[m[2]!.toLowerCase()] : undefined;
    if (m && factor !== undefined) return Math.round(Number(m[1]) * factor);
  }
  throw new InvalidValueError('memory', input, MEMORY_EXPECTED);
}

function quantity(kind: 'cpu' | 'memory', pattern: string, expected: string, parse: (v: string | number) => number) {
  const message = (iss: { input?: unknown }) => `invalid ${kind} ${typeof iss.input === 'string' ? JSON.stringify(iss.input) : String(iss.input)}: ${expected}`;
  return z.codec(
    z.union([z.string().regex(new RegExp(pattern), { error: message }), z.number().nonnegative({ error: message })], {
      error: message,
    }),
    z.number().nonnegative(),
    {
      decode: (value, ctx) => {
        try {
          return parse(value);
        } catch (err) {
          ctx.issues.push({ code: 'custom', input: value, message: (err as Error).message });
          return z.NEVER;
        }
      },
      encode: (value) => value,
    },
  );
}

/** A CPU quantity (`"500m"`, `0.5`, `"2"`) read as a number of cores. */
export const CpuQuantity = quantity('cpu', CPU_PATTERN, CPU_EXPECTED, parseCpu).meta({
  id: 'CpuQuantity',
  description: 'CPU in cores: a number such as 0.5 or 2, or millicores such as "500m"',
});

/** A memory quantity (`"512Mi"`, `"1Gi"`, `"2G"`, a number of bytes) read as bytes. */
export const MemoryQuantity = quantity('memory', MEMORY_PATTERN, MEMORY_EXPECTED, parseMemory).meta({
  id: 'MemoryQuantity',
  description: 'Memory in bytes: a number of bytes, or a size such as "512Mi", "1Gi" or "2G"',
});
