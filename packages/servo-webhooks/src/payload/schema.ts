/**
 * JSON Schema (draft 2020-12) of the request body of a `before:` or `after:`
 * webhook, derived from the event's zod schemas. Matches what `buildBody` emits.
 * Used by `servo webhooks schema <event>`; not on the delivery path.
 * @module
 */
import { z } from 'servo-core';
import { SCHEMA_VERSION } from './content-type.js';

/**
 * What a body schema needs from an event. Structural, so a servo-core
 * `EventDefinition` fits as is.
 */
export interface SchemaEvent {
  /** Event name, e.g. `measure`. */
  readonly name: string;
  /** Schema of the parameters (a servo-core event's `params`). */
  readonly params: z.ZodType;
  /** Schema of one `on` handler's value (a servo-core event's `result`). */
  readonly result: z.ZodType;
}

/** A JSON Schema object. */
export type JsonSchema = { [keyword: string]: unknown };

/** The `$schema` every body schema declares. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An error reduced to its name, message and code (no stack).',
  properties: {
    type: { type: 'string', description: 'The error name, e.g. TypeError.' },
    message: { type: 'string' },
    code: { type: 'string', description: 'Stable error code, when the error has one.' },
  },
  required: ['type', 'message'],
};

/**
 * JSON Schema of the body `buildBody` produces for `<preposition>:<event.name>`.
 * `params` and `results[].value` come from `z.toJSONSchema(…, { io: 'output' })`,
 * with the documented reductions: `Date` -> date-time string, `bigint` -> decimal
 * string, `Map` -> object, `Set` -> array, `NaN` -> null; any other type JSON
 * Schema cannot express (transforms, custom/instanceof, functions) accepts anything.
 * `$defs` of both are hoisted to the root (renamed on a clash) and `$ref`s rewritten.
 */
export function bodySchema(event: SchemaEvent, preposition: 'before' | 'after'): JsonSchema {
  const qualified = `${preposition}:${event.name}`;
  const defs: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {
    id: { type: 'string', minLength: 1, description: 'Message id; identical on every retry; also the webhook-id header.' },
    event: { const: qualified },
    created_at: { type: 'string', format: 'date-time', description: 'When the message was created (RFC 3339 in UTC with microseconds and a numeric offset).' },
    servo: named('The servo that emitted the event.'),
    webhook: named('The webhook this message is delivered to.'),
    schema_version: { const: SCHEMA_VERSION },
    params: embed(toJsonSchema(event.params), 'params', defs),
  };
  const required = ['id', 'event', 'created_at', 'servo', 'webhook', 'schema_version', 'params'];
  if (preposition === 'after') {
    const value = embed(toJsonSchema(event.result), 'result', defs);
    properties.results = {
      type: 'array',
      description: 'One entry per connector that handled the event: its value, or the error it raised.',
      items: {
        anyOf: [
          {
            type: 'object',
            properties: { connector: { type: 'string' }, value },
            required: ['connector', 'value'],
            not: { properties: { error: true }, required: ['error'] },
          },
          {
            type: 'object',
            properties: { connector: { type: 'string' }, error: ERROR_SCHEMA },
            required: ['connector', 'error'],
            not: { properties: { value: true }, required: ['value'] },
          },
        ],
      },
    };
  } else {
    properties.results = { type: 'null', description: 'Always null before an event: its results come after it.' };
  }
  required.push('results');
  const schema: JsonSchema = {
    $schema: JSON_SCHEMA_DIALECT,
    title: `servo-webhooks/${qualified}`,
    description: `Request body of a webhook for ${qualified} (schema version ${SCHEMA_VERSION}).`,
    type: 'object',
    properties,
    required,
  };
  if (Object.keys(defs).length > 0) schema.$defs = requireNulls(defs);
  return open(schema) as JsonSchema;
}

/**
 * Fields of the model a body always carries, `null` when unset (`normalize.ts`),
 * by the `$defs` name zod gives the model's schemas.
 */
const ALWAYS_PRESENT: Readonly<Record<string, readonly string[]>> = {
  TimeSeries: ['id', 'annotation', 'metadata'],
  RangeSetting: ['unit', 'value'],
  EnumSetting: ['unit', 'value'],
  Control: ['settlement', 'load', 'userdata', 'environment'],
  Check: ['description', 'tags', 'message', 'hint', 'run_at'],
};

function requireNulls(defs: Record<string, unknown>): Record<string, unknown> {
  for (const [name, fields] of Object.entries(ALWAYS_PRESENT)) {
    const def = defs[name] as JsonSchema | undefined;
    const props = def?.properties as Record<string, unknown> | undefined;
    if (!def || !props) continue;
    const required = new Set((def.required as string[] | undefined) ?? []);
    for (const f of fields) if (f in props) required.add(f);
    def.required = [...required];
  }
  return defs;
}

/**
 * Lets receivers that validate keep working when a field is added (no
 * `additionalProperties: false`), and makes the schema compile in ajv's strict
 * mode: a list of types becomes an `anyOf` of single types.
 */
function open(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(open);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'additionalProperties' && v === false) continue;
    out[k] = DATA_KEYWORDS.has(k) ? v : open(v);
  }
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    delete out.type;
    out.anyOf = types.map((type) => ({ type }));
  }
  return out;
}

function named(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { name: { type: 'string' } },
    required: ['name'],
  };
}

/** How the body serialiser reduces types that JSON Schema (and JSON) cannot express. */
const represent: z.core.UnrepresentableHandler = ({ zodSchema }) => {
  switch (zodSchema._zod.def.type) {
    case 'date':
      return { type: 'string', format: 'date-time' };
    case 'bigint':
      return { type: 'string', pattern: '^-?[0-9]+$' };
    case 'map':
      return { type: 'object' };
    case 'set':
      return { type: 'array' };
    case 'nan':
      return { type: 'null' };
    default:
      return 'any';
  }
};

function toJsonSchema(type: z.ZodType): JsonSchema {
  return z.toJSONSchema(type, { target: 'draft-2020-12', io: 'output', unrepresentable: represent }) as JsonSchema;
}

const DEFS_PREFIX = '#/$defs/';
// Keywords whose values are instance data, not subschemas: never rewrite inside them.
const DATA_KEYWORDS = new Set(['const', 'default', 'enum', 'examples']);

/**
 * Makes a standalone schema usable as a subschema of the body: drops `$schema`,
 * moves its `$defs` into `defs` and rewrites its `$ref`s (`#` included, which
 * zod uses for recursion) to point at the root of the body schema.
 */
function embed(standalone: JsonSchema, section: string, defs: Record<string, unknown>): JsonSchema {
  const { $schema: _dialect, $defs: ownDefs, ...body } = standalone;
  const renames = new Map<string, string>();
  const entries = Object.entries((ownDefs ?? {}) as Record<string, unknown>);
  const taken = new Set(Object.keys(defs));
  for (const [name] of entries) if (!(name in defs)) taken.add(name);
  for (const [name, def] of entries) {
    // The same name with the same content (a shared `.meta({ id })` schema) is reused.
    const clash = name in defs && JSON.stringify(defs[name]) !== JSON.stringify(def);
    renames.set(name, clash ? freeName(`${section}.${name}`, taken) : name);
  }
  const selfName = hasSelfRef(body) ? freeName(section, taken) : undefined;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out[k] = rewriteRef(v, renames, selfName);
      else out[k] = DATA_KEYWORDS.has(k) ? v : rewrite(v);
    }
    return out;
  };
  for (const [name, def] of entries) defs[renames.get(name)!] = rewrite(def);
  const embedded = rewrite(body) as JsonSchema;
  if (selfName === undefined) return embedded;
  defs[selfName] = embedded;
  return { $ref: DEFS_PREFIX + encodePointer(selfName) };
}

function rewriteRef(ref: string, renames: Map<string, string>, selfName: string | undefined): string {
  if (ref === '#') return selfName === undefined ? ref : DEFS_PREFIX + encodePointer(selfName);
  if (!ref.startsWith(DEFS_PREFIX)) return ref;
  const rest = ref.slice(DEFS_PREFIX.length);
  const slash = rest.indexOf('/');
  const name = decodePointer(slash < 0 ? rest : rest.slice(0, slash));
  const renamed = renames.get(name);
  if (renamed === undefined) return ref;
  return DEFS_PREFIX + encodePointer(renamed) + (slash < 0 ? '' : rest.slice(slash));
}

function hasSelfRef(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSelfRef);
  if (typeof node !== 'object' || node === null) return false;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && v === '#') return true;
    if (!DATA_KEYWORDS.has(k) && hasSelfRef(v)) return true;
  }
  return false;
}

/** `base`, or `base2`, `base3`…: the first not in `taken`, which it is then added to. */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

function encodePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
