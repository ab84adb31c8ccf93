/**
 * Environment overrides of connector fields: `SERVO_<NAME>_<FIELD>`.
 * @module
 */
import { ConfigError } from '../../errors.js';
import type { Env } from './interpolate.js';
import { formatPath } from './paths.js';
import { closest, listChoices } from './suggest.js';

/** Upper-cases a name and turns every non-alphanumeric character into `_`. */
function envPart(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `SERVO_<NAME>_<FIELD>`, e.g. `("my-hooks", "timeout")` -> `SERVO_MY_HOOKS_TIMEOUT`. */
export function overrideVariable(instance: string, field: string): string {
  return `SERVO_${envPart(instance)}_${envPart(field)}`;
}

const SYNTAX_PROBLEMS: Record<string, string> = {
  MISSING_CHAR: 'a quote or bracket is not closed',
  UNEXPECTED_TOKEN: 'it contains an unexpected character',
  BLOCK_AS_IMPLICIT_KEY: 'it contains ": " (a mapping) where a value was expected',
  MULTILINE_IMPLICIT_KEY: 'it contains ": " (a mapping) where a value was expected',
  TAB_AS_INDENT: 'it is indented with tabs',
  MULTIPLE_DOCS: 'it contains "---" (several YAML documents)',
};

// Aliases one override may expand; a real value needs few, if any.
const MAX_ALIAS_COUNT = 100;

/** One field replaced from the environment. */
export interface Override {
  readonly field: string;
  readonly variable: string;
  readonly value: unknown;
}

/** What {@link readOverrides} found: applied values and unparsable ones. */
export interface OverrideResult {
  readonly overrides: Override[];
  readonly errors: ConfigError[];
}

/**
 * Reads the overrides of one instance's fields. Each value is parsed as YAML
 * (so `3`, `true`, `[a, b]` and `{a: 1}` work). Errors name the variable and
 * never echo its value (it may be a secret).
 */
export async function readOverrides(instance: string, fields: Iterable<string>, env: Env): Promise<OverrideResult> {
  const result: OverrideResult = { overrides: [], errors: [] };
  let yaml: typeof import('yaml') | undefined;
  const seen = new Set<string>();
  for (const field of fields) {
    const variable = overrideVariable(instance, field);
    const text = env[variable];
    if (text === undefined || seen.has(variable)) continue;
    seen.add(variable);
    yaml ??= await import('yaml');
    const doc = yaml.parseDocument(text, { prettyErrors: false });
    if (doc.errors.length) {
      // The parser's own message may quote part of the value: describe the problem without it.
      const why = SYNTAX_PROBLEMS[doc.errors[0]!.code] ?? 'it is not valid YAML';
      result.errors.push(
        new ConfigError(`environment variable ${variable}: cannot read its value: ${why}`, {
          path: formatPath([instance, field]),
          hint: `quote the value inside the variable, e.g. ${variable}='"..."', or unset ${variable}`,
        }),
      );
      continue;
    }
    let value: unknown;
    try {
      // Bounded: an alias bomb (`{a0: &a0 [...], a1: &a1 [*a0, *a0, ...]}`) is refused, not expanded.
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      result.errors.push(
        new ConfigError(`environment variable ${variable}: cannot read its value: it expands too many YAML aliases (*name)`, {
          path: formatPath([instance, field]),
          hint: `write the value out without anchors and aliases, or unset ${variable}`,
        }),
      );
      continue;
    }
    result.overrides.push({ field, variable, value });
  }
  result.errors.push(...misspelled(instance, fields, env));
  return result;
}

/**
 * `SERVO_<NAME>_<X>` variables that override nothing because `<X>` is a
 * typo of a field (`SERVO_WEBHOOKS_DRAINTIMEOUT` for `drain_timeout`):
 * reported with the known variables, as an unknown YAML key is. A variable
 * close to no field is left alone (another instance's, or a setting read
 * elsewhere), and so is one extending a field's variable
 * (`SERVO_WEBHOOKS_STORE_MAX_PAGES`).
 */
function misspelled(instance: string, fields: Iterable<string>, env: Env): ConfigError[] {
  const prefix = `SERVO_${envPart(instance)}_`;
  const known = new Map([...fields].map((f) => [overrideVariable(instance, f), f] as const));
  const errors: ConfigError[] = [];
  for (const variable of Object.keys(env)) {
    if (!variable.startsWith(prefix) || known.has(variable) || env[variable] === undefined) continue;
    if ([...known.keys()].some((k) => variable.startsWith(`${k}_`))) continue;
    const rest = variable.slice(prefix.length);
    const near = closest(
      rest,
      [...known.keys()].map((k) => k.slice(prefix.length)),
    );
    if (near === undefined) continue;
    errors.push(
      new ConfigError(`environment variable ${variable} overrides no field of "${instance}"`, {
        path: instance,
        hint: `did you mean ${prefix}${near} (field ${known.get(prefix + near)})? known: ${listChoices([...known.keys()].sort())}`,
      }),
    );
  }
  return errors;
}
