/**
 * `match:` conditions: a CEL expression per webhook saying when it applies, as
 * Kubernetes admission webhooks' matchConditions do. Compiled when the
 * configuration loads (a syntax or type error is a located config error);
 * evaluated per delivery by the emitter. The CEL library
 * (@marcbachmann/cel-js, no dependencies) is loaded only when a webhook has a
 * `match`, synchronously (config validation is synchronous), so a servo
 * without one never pays for it.
 * @module
 */
import { createRequire } from 'node:module';

/** The variables an expression sees. */
export interface MatchVariables {
  /** The event's params, as in the request body (`null` for channel messages). */
  readonly params: unknown;
  /** after-events: the results, as in the request body; `null` otherwise. */
  readonly results: unknown;
  /** `before:adjust`, `after:measure`, `channel:NAME`. */
  readonly event: string;
  /** Channel webhooks: `{channel, content_type, content}` (content parsed when JSON, else null); `null` otherwise. */
  readonly message: unknown;
}

/** A compiled `match` expression. */
export interface MatchCondition {
  /** The expression as written. */
  readonly source: string;
  /**
   * True when the webhook applies.
   * @throws MatchError when the expression fails or does not give a bool.
   */
  test(vars: MatchVariables): boolean;
}

/** A `match` expression failed at run time (a missing key, a wrong type, a result that is not a bool). */
export class MatchError extends Error {
  /** Stable, machine-readable identifier of the failure. */
  readonly code = 'WEBHOOK_MATCH_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MatchError';
  }
}

type Cel = typeof import('@marcbachmann/cel-js');
type Env = InstanceType<Cel['Environment']>;
let env: Env | undefined;

function environment(): Env {
  if (env) return env;
  let cel: Cel;
  try {
    // require(esm) (Node 20.19+): configuration validation is synchronous.
    cel = createRequire(import.meta.url)('@marcbachmann/cel-js') as Cel;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ERR_REQUIRE_ESM'
        ? `match needs Node 20.19 or later (this is ${process.version}): the CEL library is loaded with require(esm)`
        : `the CEL library @marcbachmann/cel-js cannot be loaded (${(err as Error).message}); reinstall servo-webhooks`,
    );
  }
  env = new cel.Environment({ limits: { maxAstNodes: 2000, maxDepth: 50 } })
    .registerVariable('params', 'dyn')
    .registerVariable('results', 'dyn')
    .registerVariable('event', 'string')
    .registerVariable('message', 'dyn');
  return env;
}

/** The first line of a cel-js error, with the column its caret points at. */
function describe(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  const [first, ...rest] = text.split('\n');
  const caret = rest.find((l) => /^\s*\^\s*$/.test(l));
  const source = rest.find((l) => /^>\s+\d+ \| /.test(l));
  if (caret !== undefined && source !== undefined) {
    const prefix = /^>\s+\d+ \| /.exec(source)![0].length;
    return `${first} (column ${caret.indexOf('^') - prefix + 1})`;
  }
  return first ?? text;
}

/**
 * Compiles `source`: parses it and checks its types (it must give a bool).
 * @throws Error with a one-line message for a syntax or type error.
 */
export function compileMatch(source: string): MatchCondition {
  const e = environment();
  let program: ReturnType<Env['parse']>;
  try {
    program = e.parse(source);
  } catch (err) {
    throw new Error(`syntax error in the CEL expression: ${describe(err)}`);
  }
  const checked = program.check() as { valid: boolean; type?: string; error?: unknown };
  if (!checked.valid) throw new Error(`type error in the CEL expression: ${describe(checked.error)}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new Error(`the expression gives a ${checked.type}, not a bool: write a condition, e.g. params.adjustments.exists(a, a.setting_name == 'replicas')`);
  }
  return {
    source,
    test(vars) {
      let value: unknown;
      try {
        value = program(vars as unknown as Record<string, unknown>);
      } catch (err) {
        throw new MatchError(describe(err));
      }
      if (typeof value !== 'boolean') throw new MatchError(`the expression gave ${value === null ? 'null' : typeof value}, not a bool`);
      return value;
    },
  };
}
