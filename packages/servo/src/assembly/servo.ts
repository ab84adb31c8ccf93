import { dirname } from 'node:path';
import type { z } from 'zod';
import { ConfigError, ConfigErrors, ConnectorStartError, ServoError, ServoErrorCodes, UnknownEventError } from '../errors.js';
import type {
  CheckSpec,
  ConfigSchemaContext,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorHooks,
  ConnectorInstance,
  ServoHandle,
} from '../connector/connector.js';
import { dispatch, type DispatchOptions, type DispatchResult, type Participant } from '../events/dispatch.js';
import type { EventDefinition, ParamsInputOf, ResultOf } from '../events/event.js';
import { HandlerRegistry } from '../events/handlers.js';
import * as standard from '../events/standard.js';
import { silentLogger, type Logger } from '../logging.js';
import { closest } from './config/suggest.js';
import type { Exchange } from '../pubsub/exchange.js';
import { createExchange } from '../pubsub/index.js';
import { runChecks } from './checks.js';
import type { Observability } from '../connector/observe.js';
import type { OptimizerSection } from './config/optimizer-section.js';
import type { ServerSection } from './config/server-section.js';
import { formatPath } from './config/paths.js';

/** A connector instance inside its servo: its handlers and readiness checks besides its identity and config. */
export interface ServoConnector extends ConnectorInstance, Participant {
  readonly handlers: HandlerRegistry;
  readonly checks: readonly CheckSpec[];
}

/** Connectors whose configuration the servo.yaml loader already validated (with file positions). */
export interface ValidatedServoOptions extends Omit<ServoOptions, 'connectors'> {
  connectors: readonly { name: string; definition: ConnectorDefinition; config: unknown }[];
}

let buildValidated: (options: ValidatedServoOptions) => Promise<Servo>;

/**
 * Creates a servo from configuration that was already validated, and runs the
 * connectors' `setup()`. For the servo.yaml loader; not part of the package's API.
 */
export function createValidatedServo(options: ValidatedServoOptions): Promise<Servo> {
  return buildValidated(options);
}

/** A connector to put in an assembly built in code. */
export interface ConnectorEntry<C = unknown> {
  definition: ConnectorDefinition<C>;
  /** Instance name; default the definition's type. */
  name?: string;
  /** Raw configuration, validated against the definition's schema; default `{}`. */
  config?: unknown;
}

/** Options of {@link Servo.create}. */
export interface ServoOptions {
  /** The servo's name (payloads, logs). */
  name: string;
  connectors: readonly ConnectorEntry[];
  logger?: Logger;
  exchange?: Exchange;
  /** Where servo.yaml lives (for messages), if anywhere. */
  configFile?: string;
  /** servo.yaml's `optimizer:` section, validated, if it has one. */
  optimizer?: OptimizerSection | undefined;
  /** servo.yaml's `server:` section, validated, if it has one. */
  server?: ServerSection | undefined;
}

/** Told of every dispatch once it ends: the event, how it ended, how long it took. */
export type DispatchObserver = (event: string, outcome: 'ok' | 'failed' | 'cancelled', seconds: number) => void;

/**
 * A servo assembly: connector instances, the events they know, an exchange.
 * Build one from servo.yaml with `loadServo()` or in code with `Servo.create()`.
 */
export class Servo implements ServoHandle {
  readonly name: string;
  readonly logger: Logger;
  readonly exchange: Exchange;
  readonly events: ReadonlyMap<string, EventDefinition>;
  readonly configFile: string | undefined;
  /** servo.yaml's `optimizer:` section, if it has one (`servo run` talks to that optimizer). */
  readonly optimizer: OptimizerSection | undefined;
  /** servo.yaml's `server:` section, if it has one (`servo run` serves that endpoint). */
  readonly server: ServerSection | undefined;
  #observer: DispatchObserver | undefined;
  readonly #instances: ServoConnector[] = [];
  readonly #hooks: { name: string; hooks: ConnectorHooks }[] = [];
  #state: 'idle' | 'starting' | 'running' | 'closed' = 'idle';
  /** Aborted by close(): handlers waiting on I/O (e.g. a before-webhook) give up. */
  readonly #stopping = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(options: ServoOptions, events: Map<string, EventDefinition>) {
    this.name = options.name;
    this.logger = options.logger ?? silentLogger;
    this.exchange = options.exchange ?? createExchange({ logger: this.logger });
    this.events = events;
    this.configFile = options.configFile;
    this.optimizer = options.optimizer;
    this.server = options.server;
  }

  /**
   * Validates each connector's configuration, creates the instances and runs
   * their `setup()`. Configuration problems throw {@link ConfigErrors}.
   */
  static async create(options: ServoOptions): Promise<Servo> {
    const events = collectEvents(options.connectors.map((c) => c.definition));
    const servo = new Servo(options, events);
    const schemaContext: ConfigSchemaContext = {
      events: [...events.keys()],
      configDir: options.configFile ? dirname(options.configFile) : process.cwd(),
    };
    const errors: ConfigError[] = [];
    const seen = new Set<string>();
    for (const entry of options.connectors) {
      const name = entry.name ?? entry.definition.type;
      if (seen.has(name))
        errors.push(new ConfigError(`two connectors are named "${name}"`, { path: name, hint: 'give each instance its own name under `connectors:`' }));
      seen.add(name);
      const schema = configSchemaOf(entry.definition, schemaContext);
      const parsed = schema.safeParse(entry.config ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          errors.push(new ConfigError(issue.message, { file: options.configFile, path: formatPath([name, ...(issue.path as (string | number)[])]) }));
        }
        continue;
      }
      servo.#instances.push(makeInstance(name, entry.definition, parsed.data));
    }
    if (errors.length) throw new ConfigErrors(errors);
    await servo.#setupAll();
    return servo;
  }

  static {
    buildValidated = async (options) => {
      const servo = new Servo({ ...options, connectors: [] }, collectEvents(options.connectors.map((c) => c.definition)));
      for (const c of options.connectors) servo.#instances.push(makeInstance(c.name, c.definition, c.config));
      await servo.#setupAll();
      return servo;
    };
  }

  /** True once `start()` has run the start hooks and dispatched attach and startup, until `close()`. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** The connector instances, in configuration order. */
  get connectors(): readonly ServoConnector[] {
    return this.#instances;
  }

  /** The instances of a connector type (matched by type name), their config typed by its definition. */
  instancesOf<C>(definition: ConnectorDefinition<C>): readonly ConnectorInstance<C>[] {
    // Each matched instance's config was validated by the schema of a definition of this type.
    return this.#instances.filter((i) => i.type === definition.type) as readonly ConnectorInstance[] as readonly ConnectorInstance<C>[];
  }

  /** The event called `name`, or an error listing the known ones. */
  event(name: string): EventDefinition {
    const e = this.events.get(name);
    if (!e) {
      const known = [...this.events.keys()];
      throw new UnknownEventError(name, known, closest(name, known));
    }
    return e;
  }

  /**
   * Dispatches an event to the connectors (see `dispatch()` for the semantics).
   * An unknown event name rejects (never throws synchronously) with {@link UnknownEventError}.
   */
  async dispatch<E extends EventDefinition>(event: E | string, params: ParamsInputOf<E>, options?: DispatchOptions): Promise<DispatchResult<ResultOf<E>>> {
    const def = (typeof event === 'string' ? this.event(event) : event) as E;
    const run = dispatch(this.#instances, def, params, options?.signal ? options : { ...options, signal: this.#stopping.signal });
    return this.#observer ? this.#observed(def.name, run) : run;
  }

  async #observed<R>(event: string, run: Promise<DispatchResult<R>>): Promise<DispatchResult<R>> {
    const t0 = performance.now();
    const observer = this.#observer as DispatchObserver;
    try {
      const result = await run;
      observer(event, result.status === 'cancelled' ? 'cancelled' : 'ok', (performance.now() - t0) / 1000);
      return result;
    } catch (err) {
      observer(event, 'failed', (performance.now() - t0) / 1000);
      throw err;
    }
  }

  /**
   * Turns on observation (`servo run`'s HTTP endpoint): every dispatch is
   * reported to `onDispatch`, and each connector's `observe` hook registers
   * its metrics and readiness checks. Call before `start()`.
   */
  observe(o: Observability, onDispatch: DispatchObserver): void {
    this.#observer = onDispatch;
    for (const { hooks } of this.#hooks) hooks.observe?.(o);
  }

  /**
   * Starts the servo: the exchange runs, the connectors' `start` hooks run in
   * configuration order, then `attach` and `startup` are dispatched. One-shot
   * commands (`servo measure`) never start the servo, so start hooks and
   * lifecycle handlers only run for a running servo. When a start hook fails,
   * start rejects with {@link ConnectorStartError}, no event goes out and
   * `close()` sends no `shutdown` or `detach`.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new ServoError(ServoErrorCodes.state, `servo is ${this.#state}, cannot start`);
    this.#state = 'starting';
    this.exchange.start();
    for (const { name, hooks } of this.#hooks) {
      try {
        await hooks.start?.();
      } catch (err) {
        throw new ConnectorStartError(name, err);
      }
    }
    if (this.#state !== 'starting') return; // closed while a hook ran
    this.#state = 'running';
    await this.dispatch(standard.attach, { servo: this.name });
    await this.dispatch(standard.startup, {});
  }

  /**
   * Stops the servo: dispatches `shutdown` and `detach` if it was running, closes
   * connectors in reverse order (they finish or persist pending work), then
   * stops the exchange. Safe to call twice: every call settles when closing
   * is done. A connector whose close hook fails does not stop the others from
   * closing; the first such error rejects `close()` (the others are logged).
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    const wasRunning = this.#state === 'running';
    this.#state = 'closed';
    if (wasRunning) {
      await this.#dispatchLogged(standard.shutdown, {});
      await this.#dispatchLogged(standard.detach, { servo: this.name });
    }
    // Handlers still waiting (e.g. on a before-webhook) give up; shutdown has run.
    this.#stopping.abort();
    // Connectors close before the exchange stops, so what they still finish
    // (e.g. webhook answers republished on a response channel) can publish.
    // A one-shot command never started the exchange: it runs now, so what was
    // published during the command, or while connectors finish, is delivered.
    if (!wasRunning) this.exchange.start();
    const failed = await this.#closeHooks();
    await this.exchange.stop();
    // A connector that could not finish its work (e.g. deliveries its store refused) fails the command.
    if (failed) throw failed.err;
  }

  /** A stopping event: its failures are logged, closing goes on. */
  async #dispatchLogged<E extends EventDefinition>(event: E, params: ParamsInputOf<E>): Promise<void> {
    try {
      await this.dispatch(event, params);
    } catch (err) {
      this.logger.error({ event: event.name, err: (err as Error).message }, `${event.name} handler failed`);
    }
  }

  /** Closes every connector; returns the first failure (raised by `close()`), logging the others. */
  async #closeHooks(): Promise<{ err: unknown } | undefined> {
    let first: { err: unknown } | undefined;
    for (const { name, hooks } of [...this.#hooks].reverse()) {
      try {
        await hooks.close?.();
      } catch (err) {
        if (!first) {
          first = { err };
          continue;
        }
        this.logger.error({ connector: name, err: (err as Error).message }, 'connector failed to close');
      }
    }
    return first;
  }

  async #setupAll(): Promise<void> {
    try {
      for (const instance of this.#instances) {
        const hooks = await instance.definition.setup(this.#contextFor(instance));
        if (hooks) this.#hooks.push({ name: instance.name, hooks });
      }
    } catch (err) {
      // Nobody gets a Servo to close: release what the connectors set up so far.
      this.#state = 'closed';
      const failed = await this.#closeHooks();
      if (failed) this.logger.error({ err: (failed.err as Error).message }, 'connector failed to close');
      throw err;
    }
  }

  #contextFor(instance: ServoConnector): ConnectorContext<unknown> {
    const h = instance.handlers;
    const checks = instance.checks as CheckSpec[];
    return {
      name: instance.name,
      type: instance.type,
      config: instance.config,
      servo: this,
      logger: this.logger.child({ connector: instance.name }),
      before: (e, fn) => h.before(e, fn),
      on: (e, fn) => h.on(e, fn),
      after: (e, fn) => h.after(e, fn),
      check: (spec) => {
        if (checks.length === 0) h.on(standard.check, (params, ctx) => runChecks(checks, params, ctx.signal));
        checks.push(spec);
      },
    };
  }
}

function makeInstance(name: string, definition: ConnectorDefinition, config: unknown): ServoConnector {
  return { name, type: definition.type, definition, config, handlers: new HandlerRegistry(), checks: [] };
}

/** The zod schema of a connector's config, given the assembly's events. */
export function configSchemaOf(definition: ConnectorDefinition, context: ConfigSchemaContext): z.ZodType {
  return typeof definition.config === 'function' ? definition.config(context) : definition.config;
}

/** Standard events plus those declared by the definitions; a clash is an error. */
export function collectEvents(definitions: readonly ConnectorDefinition[]): Map<string, EventDefinition> {
  const events = new Map<string, EventDefinition>(standard.standardEvents.map((e) => [e.name, e]));
  for (const d of new Set(definitions)) {
    for (const e of d.events ?? []) {
      const existing = events.get(e.name);
      if (existing && existing !== e) {
        throw new ConfigError(`connector type "${d.type}" declares event "${e.name}", which is already defined`, {
          hint: 'rename the event in the connector',
        });
      }
      events.set(e.name, e);
    }
  }
  return events;
}
