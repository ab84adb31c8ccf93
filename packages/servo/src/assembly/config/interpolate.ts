/**
 * `${VAR}` and `${VAR:-default}` in string values, replaced from the
 * environment before validation; `$${` writes a literal `${`.
 * @module
 */
import type { Node } from 'yaml';
import { ConfigError } from '../../errors.js';
import { looksSecret } from '../redact.js';
import { formatPath, type PathSegment } from './paths.js';
import type { YamlSource } from './yaml-source.js';

/** Environment variables, as in `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A reference that could not be replaced. */
export interface InterpolationProblem {
  readonly message: string;
  readonly hint: string;
  /** The variable, when the problem is that it is not set. */
  readonly unset?: string;
}

/** A secret field whose `${VAR}` is not set, left unset for a command that uses no secret. */
export interface UnsetSecret {
  readonly variable: string;
  /** servo.yaml and the position of the value. */
  readonly file: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  /** Field path, e.g. `webhooks[0].secret`. */
  readonly path: string;
}

/**
 * The value a secret field whose variable is unset gets when the command never
 * uses secrets (`servo config`, `show`, `webhooks list`): it validates as a
 * secret, and commands that sign never see it (they load strictly).
 */
export const UNSET_SECRET = 'unset-secret-placeholder';

/** Outcome of {@link interpolateString}. */
export type Interpolated =
  | { readonly ok: true; readonly value: string; readonly variables: readonly string[] }
  | { readonly ok: false; readonly problem: InterpolationProblem };

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces every `${VAR}` / `${VAR:-default}` in `text`. As in the shell, the
 * default is used when VAR is unset or empty. The first problem (unset
 * variable, malformed reference) is returned instead of a value.
 */
export function interpolateString(text: string, env: Env): Interpolated {
  if (!text.includes('${')) return { ok: true, value: text, variables: [] };
  let problem: InterpolationProblem | undefined;
  const variables: string[] = [];
  const value = text.replace(REFERENCE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    if (problem) return match;
    const closed = match.endsWith('}');
    const parsed = closed && body !== undefined ? VARIABLE.exec(body) : null;
    if (!parsed) {
      problem = {
        message: `malformed variable reference "${closed ? match : '${'}"`,
        hint: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits and _), or $${ for a literal ${',
      };
      return match;
    }
    const [, name, fallback] = parsed as unknown as [string, string, string | undefined];
    const current = env[name];
    variables.push(name);
    if (fallback !== undefined) {
      return current === undefined || current === '' ? fallback : current;
    }
    if (current === undefined) {
      problem = {
        message: `environment variable ${name} is not set`,
        hint: `export ${name}=... or write \${${name}:-default}`,
        unset: name,
      };
      return match;
    }
    return current;
  });
  return problem ? { ok: false, problem } : { ok: true, value, variables };
}

/** What {@link interpolateTree} changed and found. */
export interface TreeInterpolation {
  /** Scalars whose value now comes from the environment (never echo them), with the variables used. */
  readonly substituted: Map<Node, readonly string[]>;
  /** Scalars left unreplaced because of a problem (their own errors are reported). */
  readonly failed: Set<Node>;
  readonly errors: ConfigError[];
  /** Leave secret fields whose variable is unset as {@link UNSET_SECRET} (listed in `unsetSecrets`) instead of failing. */
  readonly allowUnsetSecrets: boolean;
  readonly unsetSecrets: UnsetSecret[];
}

/**
 * Replaces references in every string scalar value under `root`, in place.
 * A plain (unquoted) scalar is re-typed after substitution as YAML would type
 * it (`${PORT:-8080}` gives the number 8080); a quoted one stays a string.
 */
export function interpolateTree(
  source: YamlSource,
  root: Node | null,
  path: readonly PathSegment[],
  env: Env,
  into: TreeInterpolation,
  verbatim: ReadonlySet<string> = NONE,
): void {
  visit(source, root, [...path], env, into, verbatim.size ? path.length : -1, verbatim);
}

const NONE: ReadonlySet<string> = new Set();

/** A fresh, empty {@link TreeInterpolation}; `allowUnsetSecrets` for commands that never use a secret. */
export function newInterpolation(allowUnsetSecrets = false): TreeInterpolation {
  return { substituted: new Map(), failed: new Set(), errors: [], allowUnsetSecrets, unsetSecrets: [] };
}

// A secret's fix never suggests a default: that would put the secret in servo.yaml.
const SECRET_HINT = (name: string) => `export ${name} in the environment servo runs in (a secret takes no default in servo.yaml, so it stays out of the file)`;

// `depth`: index in `path` of the section's own field, checked against `verbatim` (-1: none).
function visit(source: YamlSource, node: Node | null, path: PathSegment[], env: Env, into: TreeInterpolation, depth = -1, verbatim = NONE): void {
  const { isMap, isScalar, isSeq } = source.yaml;
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return;
    const result = interpolateString(node.value, env);
    if (!result.ok) {
      const { unset } = result.problem;
      const key = path[path.length - 1];
      const secret = unset !== undefined && typeof key === 'string' && looksSecret(key);
      if (secret && into.allowUnsetSecrets) {
        into.unsetSecrets.push({ variable: unset, file: source.file, ...source.positionOf(node), path: formatPath(path) });
        node.value = UNSET_SECRET;
        into.substituted.set(node, [unset]);
        return;
      }
      into.failed.add(node);
      into.errors.push(
        new ConfigError(result.problem.message, {
          file: source.file,
          ...source.positionOf(node),
          path: path.length ? formatPath(path) : undefined,
          hint: secret ? SECRET_HINT(unset) : result.problem.hint,
        }),
      );
      return;
    }
    if (result.value === node.value) return;
    // Checked (an unset variable is an error above) but left as written: the connector resolves it.
    if (depth >= 0 && verbatim.has(String(path[depth]))) return;
    node.value = node.type === 'PLAIN' ? retype(result.value) : result.value;
    if (result.variables.length) into.substituted.set(node, result.variables);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = source.keyText(pair.key);
      visit(source, pair.value as Node | null, key === undefined ? path : [...path, key], env, into, depth, verbatim);
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) visit(source, item as Node, [...path, i], env, into, depth, verbatim);
  }
  // Aliases are skipped: their anchored node is visited where it is defined.
}

const INT = /^[-+]?(?:0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Types a substituted plain scalar as the YAML core schema would: null, booleans, numbers; else text. */
export function retype(text: string): string | number | boolean | null {
  if (/^(?:~|null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (INT.test(text) || FLOAT.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return text;
}
