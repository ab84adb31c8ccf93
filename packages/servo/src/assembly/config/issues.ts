/**
 * Turns zod issues into configuration problems a person can act on: what was
 * expected, what was found (unless it may be a secret) and how to fix it.
 * @module
 */
import { z } from 'zod';
import { fieldNames, schemaAt } from './schema-introspect.js';
import { didYouMean, listChoices } from './suggest.js';

/** The parts of a zod issue this module reads (any zod 4 copy produces them). */
export interface IssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly [detail: string]: unknown;
}

/** What kind of place a problem is about; decides where it is reported. */
export type ProblemKind =
  /** The value at `path` is wrong: reported at that value. */
  | 'value'
  /** A required field is absent: reported at the mapping that lacks it. */
  | 'missing'
  /** The key at the end of `path` is not allowed: reported at the key. */
  | 'key';

/** One problem of a section, with a path relative to the section's value. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly hint?: string | undefined;
}

/** What {@link problemsOf} needs besides the issues. */
export interface IssueContext {
  /** The value that was validated. */
  readonly input: unknown;
  /** The schema it was validated with. */
  readonly schema: z.ZodType;
  /** Whether the value at `path` may be shown (false for secrets and environment-provided values). */
  canEcho(path: readonly PropertyKey[]): boolean;
  /** Prints a path relative to the section, for hints (`webhooks[0]`). */
  display(path: readonly PropertyKey[]): string;
}

/** Converts zod issues into problems (an unrecognized-keys issue gives one problem per key). */
export function problemsOf(issues: readonly IssueLike[], ctx: IssueContext): Problem[] {
  return issues.flatMap((issue) => describe(issue, [], ctx));
}

const ABSENT = Symbol('absent');

/** The value at `path` in `input`, or {@link ABSENT}. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return ABSENT;
    const record = current as Record<PropertyKey, unknown>;
    if (!Object.hasOwn(record, segment)) return ABSENT;
    current = record[segment];
  }
  return current;
}

function describe(issue: IssueLike, prefix: readonly PropertyKey[], ctx: IssueContext): Problem[] {
  const path = [...prefix, ...issue.path];
  const value = valueAt(ctx.input, path);
  const echo = ctx.canEcho(path);
  const custom = customMessage(issue);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      if ((value === ABSENT || value === undefined) && path.length > 0) return [missing(path, ctx)];
      return [
        {
          kind: 'value',
          path,
          message: `expected ${expectedPhrase(expected)}, got ${received(value, echo)}`,
          hint: typeHint(expected, value, echo, path),
        },
      ];
    }
    case 'invalid_value': {
      const values = ((issue.values as unknown[] | undefined) ?? []).map(showLiteral);
      return [enumProblem(path, values, value, echo, custom)];
    }
    case 'unrecognized_keys': {
      const valid = fieldNames(schemaAt(ctx.schema, path));
      return ((issue.keys as string[] | undefined) ?? []).map((key) => ({
        kind: 'key' as const,
        path: [...path, key],
        message: `unknown field "${key}"`,
        hint: valid?.length ? didYouMean(key, valid, `remove it; valid fields: ${listChoices(valid)}`) : 'remove it',
      }));
    }
    case 'invalid_union':
      return unionProblems(issue, path, value, echo, ctx);
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const inner = ((issue.issues as IssueLike[] | undefined) ?? [])[0];
      const why = inner ? describe(inner, [], { ...ctx, input: key, canEcho: () => true })[0] : undefined;
      return [
        {
          kind: 'key',
          path,
          message: `invalid key "${key}"${why ? `: ${why.message}` : ''}`,
          hint: why?.hint ?? 'rename or remove this key',
        },
      ];
    }
    case 'too_small':
    case 'too_big':
      return [sizeProblem(issue, path, value, echo, custom)];
    case 'invalid_format': {
      const { phrase, hint } = formatPhrase(issue);
      const got = typeof value === 'string' && echo ? `, got ${JSON.stringify(clip(value))}` : '';
      return [{ kind: 'value', path, message: custom ?? `expected ${phrase}${got}`, hint }];
    }
    case 'not_multiple_of':
      return [
        {
          kind: 'value',
          path,
          message: custom ?? `expected a multiple of ${String(issue.divisor)}${echo && typeof value === 'number' ? `, got ${value}` : ''}`,
          hint: `use a multiple of ${String(issue.divisor)}`,
        },
      ];
    case 'custom': {
      const params = issue.params as { hint?: unknown } | undefined;
      return [{ kind: 'value', path, message: issue.message, hint: typeof params?.hint === 'string' ? params.hint : undefined }];
    }
    default:
      return [{ kind: 'value', path, message: issue.message }];
  }
}

function missing(path: readonly PropertyKey[], ctx: IssueContext): Problem {
  const field = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  return {
    kind: 'missing',
    path,
    message: `missing required field "${field}"`,
    hint: `add "${field}: ..." under ${ctx.display(parent)}`,
  };
}

function enumProblem(path: readonly PropertyKey[], values: string[], value: unknown, echo: boolean, custom: string | undefined): Problem {
  const expected = values.length === 1 ? JSON.stringify(values[0]) : `one of: ${listChoices(values)}`;
  const got = value === ABSENT || value === undefined ? '' : `; got ${received(value, echo)}`;
  return {
    kind: 'value',
    path,
    message: custom ?? `expected ${expected}${got}`,
    hint: typeof value === 'string' ? didYouMean(value, values, 'use one of the listed values') : 'use one of the listed values',
  };
}

function unionProblems(issue: IssueLike, path: readonly PropertyKey[], value: unknown, echo: boolean, ctx: IssueContext): Problem[] {
  if (Array.isArray(issue.options) && issue.discriminator !== undefined) {
    // A discriminated union whose tag is missing or unknown: the path ends at the tag.
    if ((value === ABSENT || value === undefined) && path.length > 0) return [missing(path, ctx)];
    return [enumProblem(path, issue.options.map(showLiteral), value, echo, undefined)];
  }
  const branches = (issue.errors as IssueLike[][] | undefined) ?? [];
  const rootTypeMismatch = (b: IssueLike[]) => b.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  // Branches the value's type matched explain the problem best; take the closest one.
  const matched = branches.filter((b) => b.length > 0 && !rootTypeMismatch(b));
  if (matched.length) {
    const best = matched.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((i) => describe(i, path, ctx));
  }
  const expected = [
    ...new Set(
      branches.flatMap((b) =>
        b.flatMap((i) => {
          if (i.code === 'invalid_type') return [expectedPhrase(String(i.expected))];
          if (i.code === 'invalid_value') return ((i.values as unknown[]) ?? []).map((v) => JSON.stringify(v));
          return [];
        }),
      ),
    ),
  ];
  if ((value === ABSENT || value === undefined) && path.length > 0) return [missing(path, ctx)];
  return [
    {
      kind: 'value',
      path,
      message: expected.length
        ? `expected ${expected.join(' or ')}, got ${received(value, echo)}`
        : `does not match any accepted form, got ${received(value, echo)}`,
      hint: undefined,
    },
  ];
}

function sizeProblem(issue: IssueLike, path: readonly PropertyKey[], value: unknown, echo: boolean, custom: string | undefined): Problem {
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const origin = String(issue.origin ?? '');
  const unit = { string: 'character', array: 'item', set: 'item', file: 'byte' }[origin];
  let expected: string;
  let got = '';
  let hint: string;
  if (unit) {
    const n = Number(bound) + (inclusive ? 0 : small ? 1 : -1);
    const amount = `${n} ${unit}${n === 1 ? '' : 's'}`;
    expected = issue.exact ? `exactly ${amount}` : `${small ? 'at least' : 'at most'} ${amount}`;
    const length = typeof value === 'string' ? value.length : Array.isArray(value) ? value.length : undefined;
    if (length !== undefined && (echo || origin !== 'string')) got = `, got ${length}`;
    hint = `${small ? 'add' : 'remove'} ${unit}s to reach ${expected}`;
  } else {
    const op = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
    expected = `a ${origin === 'date' ? 'date' : 'number'} ${op} ${bound}`;
    if (echo && (typeof value === 'number' || typeof value === 'bigint')) got = `, got ${value}`;
    hint = `use a value ${op} ${bound}`;
  }
  return { kind: 'value', path, message: custom ?? `expected ${expected}${got}`, hint };
}

const FORMATS: Record<string, [phrase: string, hint?: string]> = {
  url: ['a URL', 'write an absolute URL with its scheme, e.g. https://example.com/hook'],
  email: ['an email address', 'write an address such as ops@example.com'],
  uuid: ['a UUID', undefined],
  guid: ['a GUID', undefined],
  datetime: ['an ISO 8601 date-time', 'write a date-time such as 2025-01-31T12:00:00Z'],
  date: ['a date', 'write a date such as 2025-01-31'],
  time: ['a time of day', 'write a time such as 12:30:00'],
  duration: ['an ISO 8601 duration', 'write a duration such as PT5M'],
  ipv4: ['an IPv4 address', undefined],
  ipv6: ['an IPv6 address', undefined],
  cidrv4: ['an IPv4 range (CIDR)', undefined],
  cidrv6: ['an IPv6 range (CIDR)', undefined],
  hostname: ['a host name', undefined],
  base64: ['base64 text', undefined],
  base64url: ['base64url text', undefined],
  jwt: ['a JWT', undefined],
  lowercase: ['lowercase text', undefined],
  uppercase: ['uppercase text', undefined],
};

function formatPhrase(issue: IssueLike): { phrase: string; hint: string | undefined } {
  const format = String(issue.format);
  switch (format) {
    case 'regex':
      return { phrase: `text matching ${String(issue.pattern)}`, hint: undefined };
    case 'starts_with':
      return { phrase: `text starting with ${JSON.stringify(issue.prefix)}`, hint: `start the value with ${JSON.stringify(issue.prefix)}` };
    case 'ends_with':
      return { phrase: `text ending with ${JSON.stringify(issue.suffix)}`, hint: `end the value with ${JSON.stringify(issue.suffix)}` };
    case 'includes':
      return { phrase: `text including ${JSON.stringify(issue.includes)}`, hint: undefined };
    default: {
      const [phrase, hint] = FORMATS[format] ?? [`a valid ${format}`, undefined];
      return { phrase, hint };
    }
  }
}

let english: ReturnType<typeof z.locales.en> | undefined;

/** A schema's own error message (e.g. `z.string().regex(re, 'a slug')`), when it has one. */
function customMessage(issue: IssueLike): string | undefined {
  if (issue.code === 'invalid_type' || issue.code === 'custom' || issue.code === 'invalid_union') return undefined;
  try {
    english ??= z.locales.en();
    const standard = english.localeError(issue as never);
    const text = typeof standard === 'string' ? standard : standard?.message;
    return text !== undefined && text !== issue.message ? issue.message : undefined;
  } catch {
    return undefined;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  null: 'an empty value (null)',
  date: 'a date',
  literal: 'a fixed value',
  never: 'nothing (remove this field)',
};

function expectedPhrase(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function showLiteral(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** What was found, without the value itself when it may be a secret. */
function received(value: unknown, echo: boolean): string {
  if (value === null) return 'an empty value';
  if (value === undefined || value === ABSENT) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return echo ? `the string ${JSON.stringify(clip(value))}` : 'a string';
    case 'number':
    case 'bigint':
      return echo ? `the number ${value}` : 'a number';
    case 'boolean':
      return echo ? `the boolean ${value}` : 'a boolean';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function typeHint(expected: string, value: unknown, echo: boolean, path: readonly PropertyKey[]): string | undefined {
  const field = path.length ? String(path[path.length - 1]) : undefined;
  if (value === null) return field !== undefined ? `write a value after "${field}:", or remove the field` : 'write a value';
  switch (expected) {
    case 'number':
    case 'int':
    case 'bigint':
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return 'remove the quotes around the number';
      return expected === 'number' ? 'write a number without quotes, e.g. 30' : 'write a whole number without quotes, e.g. 3';
    case 'boolean':
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return 'remove the quotes: write true or false';
      return 'write true or false, without quotes';
    case 'string':
      if (typeof value === 'number' || typeof value === 'boolean') return echo ? `put the value in quotes: "${String(value)}"` : 'put the value in quotes';
      return 'write a text value (quote it if it contains ": " or starts with a special character)';
    case 'array':
    case 'tuple':
    case 'set':
      return 'write a list: one "- item" per line, or [a, b]';
    case 'object':
    case 'record':
    case 'map':
      return field !== undefined ? `write "field: value" lines indented under "${field}:"` : 'write "field: value" lines';
    default:
      return undefined;
  }
}
