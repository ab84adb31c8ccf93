/**
 * Log lines for a person at a terminal: `12:00:01 INFO  [webhooks] delivered
 * after:measure to store_measurements in 12 ms (204) id=msg_...`.
 *
 * Hand-written rather than pino-pretty: servo's lines have known shapes (a
 * connector renders its own, e.g. the webhook attempt line, through
 * {@link describeLogLine}), pino-pretty would only print `msg` and dump every
 * field as YAML-ish lines, and it brings a dozen modules to load at start-up.
 * This formatter is a few dozen lines with no dependencies; the JSON format
 * (pino) stays the machine-readable one and loses nothing.
 * @module
 */
/** Renders the fields of one kind of log line (its `msg`) as a sentence. */
export type LogLineRenderer = (fields: Readonly<Record<string, unknown>>) => string;

const renderers = new Map<string, { render: LogLineRenderer; append: readonly string[] }>();

/**
 * Gives the log lines whose message is `msg` a sentence in the human-readable
 * log format (`--log-format pretty`); JSON lines are unchanged. The fields
 * named in `append` (when present) follow the sentence as `key=value`; the
 * others are taken to be in the sentence.
 * @example
 * describeLogLine('webhook attempt', (f) => `delivered ${f.event} to ${f.webhook} in ${f.latency_ms} ms`, ['id']);
 */
export function describeLogLine(msg: string, render: LogLineRenderer, append: readonly string[] = []): void {
  renderers.set(msg, { render, append });
}

/** One human-readable line (with its newline) for a log record. */
export function prettyLine(level: string, bindings: Readonly<Record<string, unknown>>, fields: object, msg: string | undefined, now = new Date()): string {
  const f = fields as Record<string, unknown>;
  const described = msg !== undefined ? renderers.get(msg) : undefined;
  let text = msg ?? '';
  let keys: readonly string[] | undefined;
  if (described) {
    try {
      text = described.render(f);
      keys = described.append;
    } catch {
      // A renderer's bug must not lose the line: the message and every field stay.
    }
  }
  let rest = '';
  for (const k of keys ?? Object.keys(f)) {
    const v = f[k];
    if (v !== undefined) rest += ` ${k}=${valueText(v)}`;
  }
  const who = typeof bindings.connector === 'string' ? `[${bindings.connector}] ` : '';
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  // One line, no raw control characters: messages and fields may carry a receiver's or a script's text.
  return `${time} ${level.toUpperCase().padEnd(5)} ${escapeControls(`${who}${text}${rest}`)}\n`;
}

function escapeControls(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:/@+,-]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return '[unprintable]';
    }
  }
  return String(v);
}
