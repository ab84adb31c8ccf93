/**
 * Read-only looks into zod schemas, used to word errors: which fields an
 * object accepts, what schema sits at a path. Best effort: anything unknown
 * answers `undefined` rather than throwing.
 * @module
 */
import type { z } from 'zod';

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly getter?: () => z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly items?: readonly z.ZodType[];
  readonly options?: readonly z.ZodType[];
  readonly entries?: Record<string, string | number>;
  readonly values?: readonly unknown[];
  readonly left?: z.ZodType;
  readonly right?: z.ZodType;
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'success']);

/** Strips wrappers (optional, default, pipe input, lazy, ...) down to the schema that checks the input's shape. */
export function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 32 && current; i++) {
    const def = defOf(current);
    if (!def) return current;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else return current;
  }
  return current;
}

/** The kind of schema at the core (`object`, `array`, `record`, ...), after {@link unwrap}. */
export function kindOf(schema: z.ZodType | undefined): string | undefined {
  return defOf(unwrap(schema))?.type;
}

/**
 * Keys a mapping schema accepts: an object's fields, a record's enumerated
 * keys, or the union of those of a union's options. Undefined when open-ended.
 */
export function fieldNames(schema: z.ZodType | undefined): string[] | undefined {
  const def = defOf(unwrap(schema));
  if (!def) return undefined;
  if (def.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def.type === 'record' && def.keyType) return literalValues(def.keyType);
  const parts = def.type === 'union' ? def.options : def.type === 'intersection' ? [def.left, def.right] : undefined;
  if (parts) {
    const names = new Set<string>();
    for (const part of parts) for (const n of fieldNames(part) ?? []) names.add(n);
    return names.size ? [...names] : undefined;
  }
  return undefined;
}

/** The values an enum or literal schema accepts, as text. */
export function literalValues(schema: z.ZodType | undefined): string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def?.type === 'enum' && def.entries) return Object.values(def.entries).map(String);
  if (def?.type === 'literal' && def.values) return def.values.map(String);
  return undefined;
}

/** The schema that validates the value at `path` below `schema`, when it can be told. */
export function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current = schema;
  for (const segment of path) {
    const def = defOf(unwrap(current));
    if (!def) return undefined;
    switch (def.type) {
      case 'object':
        current = def.shape?.[String(segment)];
        break;
      case 'array':
        current = def.element;
        break;
      case 'tuple':
        current = typeof segment === 'number' ? def.items?.[segment] : undefined;
        break;
      case 'record':
        current = def.valueType;
        break;
      case 'union':
        current = def.options?.map((o) => schemaAt(o, [segment])).find((s) => s !== undefined);
        break;
      default:
        return undefined;
    }
  }
  return current;
}
