import { UsageError } from 'servo-core/cli';

/** Parses `--limit`: a positive integer. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--limit expects a positive integer, got "${value}"`);
  return n;
}
