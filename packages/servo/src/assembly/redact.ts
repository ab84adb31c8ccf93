/** Field names treated as secrets even when a connector does not declare them. */
const SECRET_NAME = /(secret|password|passwd|token|api[_-]?key|private[_-]?key|(^|[_-])key$|credential|authorization|cookie)/i;

/** True when a field name says its value is a secret (`secret`, `api_key`, `Authorization`, ...). */
export function looksSecret(fieldName: string): boolean {
  return SECRET_NAME.test(fieldName);
}

/** Placeholder printed instead of a secret. */
export const REDACTED = '********';

/**
 * A copy of `value` with secret fields replaced by {@link REDACTED}: fields
 * named in `secretFields` and any whose name looks like a secret.
 */
export function redact(value: unknown, secretFields: readonly string[] = []): unknown {
  const names = new Set(secretFields);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        out[k] = child !== undefined && child !== null && (names.has(k) || looksSecret(k)) ? REDACTED : walk(child);
      }
      return out;
    }
    return v;
  };
  return walk(value);
}
