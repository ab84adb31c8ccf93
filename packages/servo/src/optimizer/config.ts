/**
 * Where the optimizer is and how to reach it, resolved in this order of
 * precedence: `servo run` flags, then the environment (`OPSANI_*`,
 * `SERVO_UID`), then servo.yaml's `optimizer:` section.
 *
 * The token is held by a {@link Secret}: it prints as `********` in every
 * form (string, JSON, `util.inspect`), so no log line or error carries it.
 * @module
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { dirname, resolve } from 'node:path';
import type { OptimizerSection } from '../assembly/config/optimizer-section.js';
import { REDACTED } from '../assembly/redact.js';
import { ConfigError, UsageError } from '../errors.js';

/** `servo run` options naming the optimizer. */
export interface OptimizerFlags {
  optimizer?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  baseUrl?: string | undefined;
  url?: string | undefined;
}

/** A secret value that never prints itself. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The optimizer to talk to, resolved. */
export interface OptimizerSettings {
  /** `ORG/APP`, when the URL was built from it. */
  readonly id: string | undefined;
  /** The endpoint every request is POSTed to (`.../servo`). Contains no secret. */
  readonly endpoint: string;
  readonly token: Secret | undefined;
  /** Bound on every request, in ms. */
  readonly timeoutMs: number;
  /** How often progress is reported while a command runs, in ms. */
  readonly progressIntervalMs: number;
  readonly servoUid: string | null;
}

/** Default API base URL. */
export const DEFAULT_BASE_URL = 'https://api.opsani.com';
const ID = /^[^/\s]+\/[^/\s]+$/;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PROGRESS_MS = 30_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Where a value came from, for messages. */
type Origin = { kind: 'flag'; name: string } | { kind: 'env'; name: string } | { kind: 'file'; field: string };

interface Picked {
  value: string;
  origin: Origin;
}

/**
 * Resolves the optimizer from flags, environment and the servo.yaml section.
 * Returns `undefined` when none names an optimizer (no id and no url).
 * @throws UsageError for a bad flag; ConfigError for a bad variable, section or token file.
 */
export function resolveOptimizer(
  flags: OptimizerFlags,
  env: Env,
  section: OptimizerSection | undefined,
  options: { cwd: string; configFile?: string | undefined },
): OptimizerSettings | undefined {
  const empty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const pick = (flag: keyof OptimizerFlags, flagName: string, envName: string, field: keyof OptimizerSection): Picked | undefined => {
    const f = empty(flags[flag]);
    if (f !== undefined) return { value: f, origin: { kind: 'flag', name: flagName } };
    const e = empty(env[envName]);
    if (e !== undefined) return { value: e, origin: { kind: 'env', name: envName } };
    const s = section?.[field];
    return typeof s === 'string' ? { value: s, origin: { kind: 'file', field } } : undefined;
  };
  const id = pick('optimizer', '--optimizer', 'OPSANI_OPTIMIZER', 'id');
  const url = pick('url', '--url', 'OPSANI_URL', 'url');
  if (!id && !url) {
    if (section) {
      throw new ConfigError('the optimizer section names no optimizer', {
        file: options.configFile,
        path: 'optimizer',
        hint: 'set "id: ORG/APP" (or "url"), pass --optimizer ORG/APP, or set OPSANI_OPTIMIZER',
      });
    }
    return undefined;
  }
  let endpoint: string;
  if (url) {
    const base = checkUrl(url, options.configFile);
    endpoint = `${base.endsWith('/') ? base : `${base}/`}servo`;
  } else {
    if (!ID.test(id!.value)) fail(id!, 'expected the optimizer as ORG/APP, e.g. "example.com/app"', options.configFile);
    const [org, app] = id!.value.split('/') as [string, string];
    const picked = pick('baseUrl', '--base-url', 'OPSANI_BASE_URL', 'base_url');
    const base = picked ? checkUrl(picked, options.configFile).replace(/\/+$/, '') : DEFAULT_BASE_URL;
    endpoint = `${base}/accounts/${encodeURIComponent(org)}/applications/${encodeURIComponent(app)}/servo`;
  }
  return {
    id: id?.value,
    endpoint,
    token: readToken(flags, env, section, options),
    timeoutMs: section?.timeout ?? DEFAULT_TIMEOUT_MS,
    progressIntervalMs: section?.progress_interval ?? DEFAULT_PROGRESS_MS,
    servoUid: empty(env.SERVO_UID) ?? section?.servo_uid ?? null,
  };
}

function readToken(flags: OptimizerFlags, env: Env, section: OptimizerSection | undefined, options: { cwd: string; configFile?: string | undefined }) {
  const fromFile = (path: string, origin: Origin, base: string): Secret => {
    const file = resolve(base, path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      fail({ value: path, origin }, `cannot read the token file ${file} (${code})`, options.configFile, false);
    }
    const token = text.trim();
    if (token === '') fail({ value: path, origin }, `the token file ${file} is empty`, options.configFile, false);
    return new Secret(token);
  };
  if (flags.token) return new Secret(flags.token);
  if (flags.tokenFile) return fromFile(flags.tokenFile, { kind: 'flag', name: '--token-file' }, options.cwd);
  if (env.OPSANI_TOKEN) return new Secret(env.OPSANI_TOKEN);
  if (env.OPSANI_TOKEN_FILE) return fromFile(env.OPSANI_TOKEN_FILE, { kind: 'env', name: 'OPSANI_TOKEN_FILE' }, options.cwd);
  if (section?.token) return new Secret(section.token);
  if (section?.token_file) {
    const base = options.configFile ? dirname(options.configFile) : options.cwd;
    return fromFile(section.token_file, { kind: 'file', field: 'token_file' }, base);
  }
  return undefined;
}

function checkUrl(p: Picked, configFile: string | undefined): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(p.value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    fail(p, 'expected an http(s) URL, e.g. "https://api.opsani.com"', configFile);
  }
  if (parsed.username || parsed.password) fail(p, 'the URL must not carry credentials; use the token instead', configFile, false);
  return p.value;
}

/** Throws the error for a bad value, naming where it came from (echoing it only when `echo`). */
function fail(p: Picked, message: string, configFile: string | undefined, echo = true): never {
  const shown = echo ? ` (got ${JSON.stringify(p.value)})` : '';
  switch (p.origin.kind) {
    case 'flag':
      throw new UsageError(`${p.origin.name}: ${message}${shown}`);
    case 'env':
      throw new ConfigError(`environment variable ${p.origin.name}: ${message}${shown}`, { hint: `change or unset ${p.origin.name}` });
    case 'file':
      throw new ConfigError(`${message}${shown}`, { file: configFile, path: `optimizer.${p.origin.field}` });
  }
}
