/**
 * Text from a remote peer or a script (cancel reasons, response bodies,
 * receiver error messages, script stderr) made safe to show on a terminal.
 * @module
 */

// C0 controls, DEL, C1 controls, the bidi embeddings/overrides/isolates and marks,
// and the line/paragraph separators: each can move the cursor, recolour, retitle,
// reorder or fake lines on a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Options of {@link terminalText}. */
export interface TerminalTextOptions {
  /** Keep `\n` as a line break (for multi-line text such as script stderr); default false: one line. */
  readonly multiline?: boolean;
}

/**
 * `text` with every C0/C1 control character, DEL and Unicode bidi control
 * replaced by its `\uXXXX` escape, so that it cannot move the cursor, change
 * colours or the window title, or fake a line of output. By default the
 * result is one line (`\r\n` becomes `\u000d\u000a`); with `multiline`, `\n`
 * is kept. Text without such characters is returned as is. JSON output needs
 * none of this: `JSON.stringify` escapes control characters itself.
 * @example terminalText('denied \u001b[31mRED') // 'denied \\u001b[31mRED'
 */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(options.multiline ? UNSAFE_BUT_NEWLINE : UNSAFE_ALL, unicodeEscape);
}

// What JSON.stringify leaves raw that a terminal would still act on.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with DEL, C1 controls and bidi controls written as `\uXXXX`
 * escapes: the same JSON value, safe on a terminal (such characters can only
 * occur inside strings, where the escape means the same character).
 */
export function jsonTerminalSafe(jsonText: string): string {
  return jsonText.replace(JSON_UNSAFE, unicodeEscape);
}

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
