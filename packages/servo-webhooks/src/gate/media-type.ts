/**
 * Media types of a `Content-Type` header as received: RFC 9110 §8.3 and §5.3.
 * A repeated header arrives joined with `, ` (or as an array); each element is
 * a media type whose essence (type/subtype) is compared case-insensitively,
 * parameters ignored. Commas inside quoted parameter values do not split.
 * @module
 */

/**
 * The lower-case essences (`type/subtype`) of every media type in a header
 * value, in order; parameters and whitespace dropped, empty elements skipped.
 * @example mediaTypeEssences('Application/JSON; charset="a,b", text/plain') // ['application/json', 'text/plain']
 */
export function mediaTypeEssences(headerValue: string | readonly string[] | null | undefined): string[] {
  if (headerValue === null || headerValue === undefined) return [];
  const values = typeof headerValue === 'string' ? [headerValue] : headerValue;
  const out: string[] = [];
  for (const value of values) if (typeof value === 'string') splitInto(value, out);
  return out;
}

function splitInto(value: string, out: string[]): void {
  let start = 0;
  let essenceEnd = -1;
  let quoted = false;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 44;
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) quoted = false;
      continue;
    }
    if (c === 34) quoted = true;
    else if (c === 59 /* ; */ && essenceEnd < 0) essenceEnd = i;
    else if (c === 44 /* , */) {
      const essence = value
        .slice(start, essenceEnd < 0 ? i : essenceEnd)
        .trim()
        .toLowerCase();
      if (essence.length > 0) out.push(essence);
      start = i + 1;
      essenceEnd = -1;
    }
  }
}
