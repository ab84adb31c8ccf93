import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Servo } from '../assembly/servo.js';
import type { CliContext, LoadServoFor } from '../connector/connector.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { createLogger, type LogFormat, type Logger } from '../logging.js';
import type { OutputFormat } from './output.js';
import type { UnsetSecret } from '../assembly/config/interpolate.js';

/** Global options every command sees. */
export interface GlobalOptions {
  config?: string;
  output?: OutputFormat;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** `--log-format`, resolved before the action runs (flag, SERVO_LOG_FORMAT, terminal or not). */
  logFormat?: LogFormat;
}

/** Streams and environment of one CLI run; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** What command modules receive: I/O, options, and the assembly on demand. */
export class CommandContext implements CliContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  #options: GlobalOptions = {};
  #servo: Promise<Servo> | undefined;
  #logger: Logger | undefined;

  constructor(io: CliIO) {
    this.stdout = io.stdout;
    this.stderr = io.stderr;
    this.cwd = io.cwd;
    this.env = io.env;
  }

  /** Set once commander has parsed the global options. */
  setOptions(options: GlobalOptions): void {
    this.#options = options;
  }

  get output(): OutputFormat {
    return this.#options.output ?? 'table';
  }

  /** The servo.yaml path: `--config`, else `SERVO_CONFIG_FILE`, else `./servo.yaml`. */
  get configFile(): string {
    return resolve(this.cwd, this.#options.config ?? this.env.SERVO_CONFIG_FILE ?? 'servo.yaml');
  }

  get logger(): Logger {
    return (this.#logger ??= createLogger({
      level: this.#options.logLevel ?? 'warn',
      format: this.#options.logFormat ?? 'json',
      destination: { write: (line: string) => this.stderr.write(line) },
    }));
  }

  /** Loads servo.yaml and builds the assembly, once; see {@link CliContext.loadServo} for `usesSecrets`. */
  loadServo(options: LoadServoFor = {}): Promise<Servo> {
    return (this.#servo ??= this.#load(options.usesSecrets !== false));
  }

  /** Closes the assembly if it was loaded: connectors finish their work (e.g. deliver webhooks). */
  async close(): Promise<void> {
    if (!this.#servo) return;
    const servo = await this.#servo.catch(() => undefined);
    await servo?.close();
  }

  write(text: string): void {
    this.stdout.write(text);
  }

  /** Where the missing configuration file was looked for and why there, and a servo.yaml beside it if one exists. */
  #notFound(file: string): ConfigError {
    const how =
      this.#options.config !== undefined
        ? 'named by --config'
        : this.env.SERVO_CONFIG_FILE
          ? 'named by SERVO_CONFIG_FILE'
          : `looked for ./servo.yaml in the current folder, ${this.cwd}, as neither --config nor SERVO_CONFIG_FILE names a file`;
    const beside = join(dirname(file), 'servo.yaml');
    const hint =
      beside !== file && existsSync(beside)
        ? `there is ${beside} next to it: pass --config ${beside}`
        : 'create one with `servo generate --defaults scripts`, or pass --config FILE (or set SERVO_CONFIG_FILE)';
    return new ConfigError(`configuration file not found (${how})`, { file, hint });
  }

  async #load(usesSecrets: boolean): Promise<Servo> {
    const file = this.configFile;
    if (!existsSync(file)) throw new ConfigErrors([this.#notFound(file)]);
    const { loadServo } = await import('../assembly/load.js');
    const note = ({ variable, file: at, line, column, path }: UnsetSecret) =>
      this.stderr.write(
        `servo: note: ${variable} is not set (${at}${line ? `:${line}:${column}` : ''}, ${path}); this command does not need it, commands that sign (measure, adjust, run, check, webhooks trigger) and validate do\n`,
      );
    return loadServo({ configFile: file, env: this.env, logger: this.logger, ...(usesSecrets ? {} : { onUnsetSecret: note }) });
  }
}
