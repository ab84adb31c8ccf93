/**
 * Values that came from the environment (`${VAR}` or a `SERVO_*` override)
 * are never echoed in a configuration error: a schema's own message may quote
 * the value it rejected (`invalid duration "hunter2"`), so every message and
 * hint is scrubbed, each such value replaced by the name of its variable.
 * @module
 */

// Shorter values would replace ordinary words and numbers of the message; they hide nothing.
const MIN_CHARS = 3;

/**
 * A function replacing every occurrence of the given values (strings, or the
 * string leaves of parsed YAML) in a text by `$VARIABLE`; longest first.
 */
export function envValueScrubber(pairs: Iterable<readonly [variable: string, value: unknown]>): (text: string) => string {
  const byValue = new Map<string, string>();
  const add = (variable: string, value: unknown): void => {
    if (typeof value === 'string') {
      for (const v of new Set([value, value.trim()])) if (v.length >= MIN_CHARS && !byValue.has(v)) byValue.set(v, variable);
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      add(variable, String(value));
    } else if (Array.isArray(value)) {
      for (const item of value) add(variable, item);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) {
        add(variable, k);
        add(variable, item);
      }
    }
  };
  for (const [variable, value] of pairs) add(variable, value);
  if (byValue.size === 0) return (text) => text;
  const values = [...byValue.keys()].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(`$${byValue.get(v)}`);
    return out;
  };
}
