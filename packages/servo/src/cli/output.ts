import { jsonTerminalSafe, terminalText } from './terminal.js';

/** How data commands print: aligned plain tables, or JSON. */
export type OutputFormat = 'table' | 'json';

/** Renders rows as a plain table with a header line; `-` for empty cells; cells on one line, control characters escaped. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/**
 * Pretty JSON with a trailing newline. Strings keep their exact value; the
 * characters a terminal would act on that JSON leaves raw (DEL, C1 controls,
 * bidi controls) are written as `\uXXXX` escapes.
 */
export function json(value: unknown): string {
  return jsonTerminalSafe(JSON.stringify(value, null, 2)) + '\n';
}

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (Array.isArray(v)) return v.length ? v.map(cell).join(', ') : '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return terminalText(String(v).replace(/\s*\n\s*/g, ' '));
}
