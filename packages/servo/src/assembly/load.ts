import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectorDefinition } from '../connector/connector.js';
import { discovered, discoverConnectors, type DiscoveredConnector } from '../connector/discovery.js';
import { standardEvents } from '../events/standard.js';
import type { Logger } from '../logging.js';
import { loadConfig } from './config/index.js';
import type { UnsetSecret } from './config/interpolate.js';
import { createValidatedServo, type Servo } from './servo.js';

/** Connector types that ship with the core. */
export function builtinConnectors(): Map<string, DiscoveredConnector> {
  const here = dirname(fileURLToPath(import.meta.url));
  return new Map([['scripts', discovered('scripts', 'servo-core', resolve(here, '../connectors/scripts/index.js'))]]);
}

/** Built-in connector types plus those discovered for a project folder. */
export function availableConnectors(projectDir: string): Map<string, DiscoveredConnector> {
  const all = builtinConnectors();
  for (const [type, c] of discoverConnectors({ projectDir })) if (!all.has(type)) all.set(type, c);
  return all;
}

/** Options of {@link loadServo}. */
export interface LoadServoOptions {
  /** Path of servo.yaml. */
  configFile: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Connector types to use instead of discovering them (tests). */
  connectors?: Map<string, DiscoveredConnector>;
  /**
   * For commands that never use a secret: a secret field whose `${VAR}` is unset loads (with a
   * placeholder that is never sent) and is reported here instead of failing the load.
   */
  onUnsetSecret?: (unset: UnsetSecret) => void;
}

/**
 * Reads servo.yaml, discovers and loads the connector types it names,
 * validates every section and builds the assembly. Configuration problems
 * throw `ConfigErrors` with file positions.
 */
export async function loadServo(options: LoadServoOptions): Promise<Servo> {
  const file = resolve(options.configFile);
  const available = options.connectors ?? availableConnectors(dirname(file));
  const definitions = new Map<string, ConnectorDefinition>();
  const loaded = await loadConfig({
    file,
    env: options.env ?? process.env,
    standardEvents: standardEvents.map((e) => e.name),
    allowUnsetSecrets: options.onUnsetSecret !== undefined,
    availableTypes: () => [...available.keys()],
    resolveType: async (type) => {
      const c = available.get(type);
      if (!c) return undefined;
      const def = await c.load();
      definitions.set(type, def);
      return def;
    },
  });
  for (const u of loaded.unsetSecrets ?? []) options.onUnsetSecret?.(u);
  return createValidatedServo({
    name: loaded.servoName,
    configFile: file,
    ...(loaded.optimizer ? { optimizer: loaded.optimizer } : {}),
    ...(loaded.server ? { server: loaded.server } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    connectors: loaded.sections.map((s) => ({ name: s.name, definition: definitions.get(s.type)!, config: s.config })),
  });
}
