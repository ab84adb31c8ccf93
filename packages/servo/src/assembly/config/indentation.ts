/**
 * Plain words for the commonest YAML mistake: a line indented to a column no
 * line above it uses, so it belongs to no block (the `yaml` parser then
 * reports whatever it tripped over, e.g. "Sequence item without - indicator").
 * @module
 */

/** The columns where a line's blocks start: its indentation, and after `- ` the item's content. */
function columns(text: string): number[] {
  const indent = text.length - text.trimStart().length;
  const rest = text.slice(indent);
  const out = [indent];
  const dash = /^(-\s+)+/.exec(rest);
  if (dash && rest.length > dash[0].length) out.push(indent + dash[0].length);
  return out;
}

/** A message and hint when line `line` (1-based) of `text` is indented to no column of the lines above it. */
export function indentationProblem(text: string, line: number): { line: number; message: string; hint: string } | undefined {
  const lines = text.split(/\r?\n/);
  const own = lines[line - 1];
  if (own === undefined || own.trim() === '' || own.trimStart().startsWith('#')) return undefined;
  const indent = own.length - own.trimStart().length;
  if (own.slice(0, indent).includes('\t')) return undefined;
  // Walk up: the columns in use by the blocks this line could belong to.
  const seen: { column: number; line: number }[] = [];
  let floor = Number.POSITIVE_INFINITY;
  for (let n = line - 1; n >= 1 && floor > 0; n--) {
    const above = lines[n - 1]!;
    if (above.trim() === '' || above.trimStart().startsWith('#')) continue;
    const cols = columns(above);
    // Only blocks that are still open: those starting left of every line between.
    for (const c of cols) if (c <= floor) seen.push({ column: c, line: n });
    floor = Math.min(floor, cols[0]!);
  }
  if (seen.length === 0 || seen.some((s) => s.column === indent)) return undefined;
  const deeper = seen.filter((s) => s.column > indent).sort((a, b) => a.column - b.column)[0];
  const shallower = seen.filter((s) => s.column < indent).sort((a, b) => b.column - a.column)[0];
  const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;
  const parts = [deeper && `line ${deeper.line} (${spaces(deeper.column)})`, shallower && `line ${shallower.line} (${spaces(shallower.column)})`].filter(
    Boolean,
  );
  return {
    line,
    message: `line ${line} is indented ${spaces(indent)}, which lines up with no line above it: YAML reads the structure from the indentation, so it cannot tell where this line belongs`,
    hint: `indent it like the line it belongs with: ${parts.join(' or ')}`,
  };
}
