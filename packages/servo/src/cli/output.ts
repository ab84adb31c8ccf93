import { jsonTerminalSafe, terminalText } from './terminal.js';

/** How data commands print: aligned plain tables, or JSON. */
export type OutputFormat = 'table' | 'json';

/** The widest a table prints on a terminal (narrower when the terminal is). */
export const TABLE_WIDTH = 100;

/** Options of {@link table}. */
export interface TableOptions {
  /**
   * The stream the table is written to: on a terminal, the table fits {@link TABLE_WIDTH}
   * columns (or the terminal's width, when narrower); written to a pipe or a file, each row
   * stays on one line for line-oriented tools. A number fits that width whatever the stream.
   */
  readonly fitTo?: NodeJS.WritableStream | number;
}

/** The width a table written to `fitTo` must fit, or undefined for no limit. */
function widthFor(fitTo: TableOptions['fitTo']): number | undefined {
  if (typeof fitTo === 'number') return fitTo;
  const tty = fitTo as { isTTY?: boolean; columns?: number } | undefined;
  return tty?.isTTY ? Math.min(TABLE_WIDTH, tty.columns || TABLE_WIDTH) : undefined;
}

/**
 * Renders rows as a plain table with a header line; `-` for empty cells; control characters
 * escaped. On a terminal (see {@link TableOptions.fitTo}) a table wider than it narrows its
 * widest columns and wraps their cells, at spaces where it can, onto more lines.
 */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[], options: TableOptions = {}): string {
  const cells = rows.map((r) => headers.map((_, i) => cell(r[i])));
  const widths = fitWidths(
    headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length))),
    headers.map((h) => Math.max(h.length, 8)),
    widthFor(options.fitTo) ?? Number.POSITIVE_INFINITY,
  );
  const lines = (r: readonly string[]): string[] => {
    const wrapped = r.map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped
        .map((w, i) => (i === wrapped.length - 1 ? (w[k] ?? '') : (w[k] ?? '').padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  };
  return `${[...lines(headers), ...cells.flatMap(lines)].join('\n')}\n`;
}

/** Column widths narrowed, widest first and never below `minimum`, until the table fits `maxWidth`. */
function fitWidths(natural: readonly number[], minimum: readonly number[], maxWidth: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i]! > minimum[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

/** `text` in lines of at most `width` characters, broken at spaces where it can be. */
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > 0 ? space : width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out;
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
