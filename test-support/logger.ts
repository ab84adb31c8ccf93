/**
 * A logger that records every line (children's included), for assertions on
 * what was logged. It has servo-core's `Logger` shape, so it fits wherever a
 * logger is injected (the delivery engine's narrower logger included).
 * @module
 */
import type { Logger } from 'servo-core';

/** A log level a line can have. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** One recorded line: the child's bindings merged into `obj`. */
export interface LogLine {
  level: Level;
  msg: string | undefined;
  obj: Record<string, unknown>;
}

/** A {@link Logger} that keeps its lines. */
export interface RecordingLogger extends Logger {
  /** Every line, in order, children's included. */
  readonly lines: LogLine[];
  /** The lines at `level`. */
  at(level: Level): LogLine[];
  /** The error lines. */
  readonly errors: LogLine[];
  /** All lines as text, one per line (for failure messages and `toContain`). */
  text(): string;
}

/** A logger whose lines land in `lines`; `level` drops lines below it (default: keep all). */
export function recordingLogger(level: Level = 'debug'): RecordingLogger {
  const order: Level[] = ['debug', 'info', 'warn', 'error'];
  const enabled = (l: Level): boolean => order.indexOf(l) >= order.indexOf(level);
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write =
      (l: Level) =>
      (obj: object, msg?: string): void => {
        if (enabled(l)) lines.push({ level: l, msg, obj: { ...bindings, ...obj } });
      };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (b) => make({ ...bindings, ...b }),
      isLevelEnabled: enabled,
    };
  };
  const at = (l: Level): LogLine[] => lines.filter((x) => x.level === l);
  const text = (): string => lines.map((l) => `${l.level} ${l.msg ?? ''} ${JSON.stringify(l.obj)}`).join('\n');
  // A getter, not a copy: `errors` reads the lines logged so far.
  return Object.defineProperty(Object.assign(make({}), { lines, at, text }), 'errors', { get: () => at('error'), enumerable: true }) as RecordingLogger;
}
