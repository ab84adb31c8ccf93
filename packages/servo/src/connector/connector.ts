import type { Command } from 'commander';
import type { z } from 'zod';
import type { DispatchOptions, DispatchResult } from '../events/dispatch.js';
import type { EventDefinition, ParamsInputOf, ParamsOf, ResultOf } from '../events/event.js';
import type { AfterHandler, BeforeHandler, OnHandler } from '../events/handlers.js';
import type { Logger } from '../logging.js';
import type { Exchange } from '../pubsub/exchange.js';
import type { Observability } from './observe.js';

/** How far along a connector is. */
export type Maturity = 'experimental' | 'stable' | 'robust';

/** What `servo show connectors` prints about a connector type. */
export interface ConnectorMetadata {
  /** Semantic version, e.g. `1.2.0`. */
  readonly version: string;
  readonly description: string;
  readonly homepage?: string;
  readonly license?: string;
  readonly maturity: Maturity;
}

/** Severity of a readiness check. */
export type CheckSeverity = 'critical' | 'common' | 'warning';

/** A readiness check a connector contributes to the `check` event. */
export interface CheckSpec {
  readonly name: string;
  readonly description?: string;
  readonly severity?: CheckSeverity;
  readonly tags?: readonly string[];
  /** Resolve with a message on success; throw (ideally with a `hint`) on failure. */
  run(signal: AbortSignal): Promise<string | void> | string | void;
}

/** A connector instance of the assembly: a named instance of a connector type with its validated config. */
export interface ConnectorInstance<C = unknown> {
  /** The instance's name (its key in `servo.yaml`). */
  readonly name: string;
  /** The connector type (the definition's `type`). */
  readonly type: string;
  readonly definition: ConnectorDefinition<C>;
  /** Validated configuration, defaults applied. */
  readonly config: C;
}

/** The running assembly, as a connector (and a connector's CLI) sees it. */
export interface ServoHandle {
  /** Name of the servo (from `servo.yaml`'s `name`, else the config file's folder). */
  readonly name: string;
  /** Absolute path of servo.yaml, when the assembly came from one (relative paths in config resolve against its folder). */
  readonly configFile?: string | undefined;
  /** Every event the assembly knows: standard ones and those connectors declare. */
  readonly events: ReadonlyMap<string, EventDefinition>;
  /** The pub/sub exchange of this servo. */
  readonly exchange: Exchange;
  readonly logger: Logger;
  /** The connector instances, in configuration order. */
  readonly connectors: readonly ConnectorInstance[];
  /**
   * The instances of a connector type, with their config typed by its
   * definition. Instances match by type name, so a definition imported from
   * another copy of the connector's package finds them too.
   * @example
   * for (const { name, config } of servo.instancesOf(webhooksConnector)) console.log(name, config.webhooks.length);
   */
  instancesOf<C>(definition: ConnectorDefinition<C>): readonly ConnectorInstance<C>[];
  /** Dispatches an event to all connectors of the assembly; pass the event's definition for typed params and results. */
  dispatch<E extends EventDefinition>(event: E | string, params: ParamsInputOf<E>, options?: DispatchOptions): Promise<DispatchResult<ResultOf<E>>>;
}

/** What a connector's config schema function receives: the assembly it will run in. */
export interface ConfigSchemaContext {
  /** Every event name of the assembly: standard ones and those its connectors declare. */
  readonly events: readonly string[];
  /** Absolute folder that relative paths in the configuration resolve against: the folder of servo.yaml. */
  readonly configDir: string;
}

/** What `setup()` receives: the instance's identity, its config and a way to attach handlers. */
export interface ConnectorContext<C> {
  /** This instance's name (its key in `servo.yaml`). */
  readonly name: string;
  /** The connector type (the definition's `type`). */
  readonly type: string;
  /** Validated configuration, defaults applied. */
  readonly config: C;
  readonly servo: ServoHandle;
  /** A logger bound to this connector's name. */
  readonly logger: Logger;
  before<E extends EventDefinition>(event: E | string, handler: BeforeHandler<ParamsOf<E>>): () => void;
  on<E extends EventDefinition>(event: E | string, handler: OnHandler<ParamsOf<E>, ResultOf<E>>): () => void;
  after<E extends EventDefinition>(event: E | string, handler: AfterHandler<ParamsOf<E>, ResultOf<E>>): () => void;
  /** Contributes a readiness check answered through the `check` event. */
  check(spec: CheckSpec): void;
}

/** Lifecycle hooks a connector may return from `setup()`. */
export interface ConnectorHooks {
  /**
   * Called when the servo starts running (`servo run`), in configuration
   * order, before the `attach` and `startup` events go out: resume work kept
   * from earlier runs here. One-shot commands (`servo measure`) never start
   * the servo. A failure stops the start.
   */
  start?(): Promise<void> | void;
  /** Called when the servo stops or a CLI command ends: finish or persist work, release resources. */
  close?(): Promise<void> | void;
  /**
   * Called once before `start()` when `servo run` serves its HTTP endpoint
   * (`--http`, `server:`): register metrics, readiness checks and pages. Never
   * called otherwise, so observing costs nothing when the endpoint is off.
   */
  observe?(o: Observability): void;
}

/** How a command will use the assembly it loads. */
export interface LoadServoFor {
  /** False for commands that never sign or send anything; default true. */
  readonly usesSecrets?: boolean;
}

/** What a connector adds under `servo <name> ...`. */
export interface CliContext {
  /**
   * Loads the assembly (servo.yaml) on demand; commands that need no config never pay for it.
   * A command that never signs or sends (a listing, a schema) passes `{ usesSecrets: false }`:
   * a secret whose `${VAR}` is unset is then noted on stderr instead of failing the load.
   */
  loadServo(options?: LoadServoFor): Promise<ServoHandle>;
  /** Path of servo.yaml (`--config`, `SERVO_CONFIG_FILE` or `./servo.yaml`); it may not exist. */
  readonly configFile: string;
  /** The environment the command runs with (tests pass their own). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Output format chosen with `--output`. */
  readonly output: 'table' | 'json';
  /** Where output goes (stdout), so tests can capture it. */
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * A connector type. Packages export one as the default export of the module
 * named in their package.json (`"servo": {"connectors": {"name": "./dist/x.js"}}`).
 *
 * @example
 * export default defineConnector({
 *   type: 'hello', metadata: { version: '1.0.0', description: 'Says hello', maturity: 'experimental' },
 *   config: z.object({ greeting: z.string().default('hi') }),
 *   setup(ctx) { ctx.on('describe', () => ({ components: [], metrics: [] })); },
 * });
 */
export interface ConnectorDefinition<C = unknown> {
  /** Type name; also the default instance name, e.g. `webhooks`. */
  readonly type: string;
  readonly metadata: ConnectorMetadata;
  /**
   * Schema of this connector's section of `servo.yaml`, with defaults. A
   * function receives the assembly (e.g. its event names) so the schema can
   * validate references to it, such as `before:measure`.
   */
  readonly config: z.ZodType<C> | ((ctx: ConfigSchemaContext) => z.ZodType<C>);
  /** Events this connector declares (beyond the standard ones). */
  readonly events?: readonly EventDefinition[];
  /**
   * A starting configuration for `servo generate`: a YAML-able value and
   * optional comments keyed by dotted path (`''` = above the section,
   * `0.url` = above the `url` key of the first list item). With
   * `defaults: true`, fields that have defaults are written out too.
   */
  generate?(options: { defaults: boolean }): GeneratedConfig;
  /**
   * The validated configuration as it would be written in servo.yaml, for
   * `servo config`; default: the validated value itself.
   */
  encodeConfig?(config: C): unknown;
  /** Names of config fields (at any depth) whose values are secrets: redacted by `servo config`. */
  readonly secretFields?: readonly string[];
  /**
   * Top-level config fields whose strings are kept as written: their `${VAR}`
   * references are checked when servo.yaml loads but not replaced, so `servo
   * config`, logs and errors never show the values; the connector resolves
   * them itself when it uses them (the scripts connector's commands).
   */
  readonly verbatimFields?: readonly string[];
  /** Attaches handlers for one instance. Runs once per instance. */
  setup(ctx: ConnectorContext<C>): void | ConnectorHooks | Promise<void | ConnectorHooks>;
  /** Registers sub-commands under `servo <name>`; loaded only when that command runs. */
  cli?(): Promise<(command: Command, ctx: CliContext) => void>;
}

/** What `generate()` returns. */
export interface GeneratedConfig {
  readonly value: unknown;
  readonly comments?: Readonly<Record<string, string>>;
}

/** Identity helper that gives `setup()` its config type. */
export function defineConnector<C>(definition: ConnectorDefinition<C>): ConnectorDefinition<C> {
  return definition;
}
export type * from './observe.js';
