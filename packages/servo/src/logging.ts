import { createRequire } from 'node:module';
import { ServoError, ServoErrorCodes } from './errors.js';
import { prettyLine } from './log-pretty.js';

/** A structured logger (the pino call shape): `logger.info({ id }, 'delivered')`. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger whose lines all carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
  /** True when lines at `level` are written: callers skip building lines that would be dropped. */
  isLevelEnabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

/** The log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; default `SERVO_LOG_LEVEL` or `info`. `silent` logs nothing. */
  level?: LogLevel;
  /** Where lines go; default stderr. */
  destination?: { write(line: string): unknown };
  /** `json` (default): pino's JSON lines; `pretty`: one readable line each (log-pretty.ts), pino not loaded. */
  format?: LogFormat;
}

/** The log formats: JSON lines for machines, readable lines for a terminal. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The log format of a command: the flag, else `SERVO_LOG_FORMAT`, else
 * `pretty` when the log goes to a terminal and `json` otherwise (a file, a
 * pipe, a log collector).
 */
export function chooseLogFormat(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, stream: { isTTY?: boolean }): LogFormat {
  const chosen = flag ?? (env.SERVO_LOG_FORMAT || undefined);
  if (chosen !== undefined) {
    if (!(LOG_FORMATS as readonly string[]).includes(chosen)) {
      throw new ServoError(ServoErrorCodes.logLevel, `"${chosen}" is not a log format; use one of ${LOG_FORMATS.join(', ')}`);
    }
    return chosen as LogFormat;
  }
  return stream.isTTY === true ? 'pretty' : 'json';
}

/**
 * A logger: pino writing JSON lines (the default), created on first use: commands that log
 * nothing do not pay pino's load time at start-up.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.SERVO_LOG_LEVEL || 'info');
  if (!isLogLevel(level)) {
    throw new ServoError(ServoErrorCodes.logLevel, `"${level}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const rank = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= rank;
  if (options.format === 'pretty') {
    return prettyLogger(options.destination ?? { write: (line: string) => process.stderr.write(line) }, enabled);
  }
  let real: Logger | undefined;
  const get = (): Logger => {
    if (!real) {
      const pino = createRequire(import.meta.url)('pino') as typeof import('pino');
      const dest = options.destination ?? (pino as any).destination({ fd: 2, sync: true });
      real = (pino as any).default ? (pino as any).default({ level, base: undefined }, dest) : (pino as any)({ level, base: undefined }, dest);
    }
    return real!;
  };
  return lazy(get, {}, enabled);
}

function lazy(get: () => Logger, bindings: Record<string, unknown>, enabled: (level: LogLevel) => boolean): Logger {
  let child: Logger | undefined;
  const target = (): Logger => (Object.keys(bindings).length ? (child ??= get().child(bindings)) : get());
  return {
    // A filtered-out line never loads pino.
    debug: (o, m) => enabled('debug') && target().debug(o, m),
    info: (o, m) => enabled('info') && target().info(o, m),
    warn: (o, m) => enabled('warn') && target().warn(o, m),
    error: (o, m) => enabled('error') && target().error(o, m),
    child: (b) => lazy(get, { ...bindings, ...b }, enabled),
    isLevelEnabled: enabled,
  };
}

/** A {@link Logger} writing readable lines (log-pretty.ts) to `dest`; `enabled` filters levels. */
function prettyLogger(dest: { write(line: string): unknown }, enabled: (level: LogLevel) => boolean, bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      if (enabled(level)) dest.write(prettyLine(level, bindings, obj, msg));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => prettyLogger(dest, enabled, { ...bindings, ...b }),
    isLevelEnabled: enabled,
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  isLevelEnabled() {
    return false;
  },
};
