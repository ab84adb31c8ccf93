/**
 * Tolerant JSON serialisation of event parameters and results: never throws,
 * reduces what JSON cannot express to a documented form.
 *
 * | Value                                   | Serialised as                                   |
 * | --------------------------------------- | ----------------------------------------------- |
 * | plain objects, arrays, strings, booleans | as `JSON.stringify`                            |
 * | `NaN`, `Infinity`, `-Infinity`           | `null`                                         |
 * | `undefined`, function, symbol            | property omitted; `null` inside an array (as `JSON.stringify`) |
 * | `bigint`                                 | decimal string, e.g. `"12345678901234567890"`  |
 * | `Date`                                   | ISO 8601 string (`null` for an invalid date)   |
 * | `Map`                                    | object; keys converted to strings (symbol keys dropped) |
 * | `Set`, other typed arrays                | array                                          |
 * | `Uint8Array` / `Buffer`, `ArrayBuffer`, `DataView` | base64 string                        |
 * | `Error`                                  | {@link ErrorObject} `{ type, message, code? }` (no stack, no cause) |
 * | objects with `toJSON()`                  | the reduced result of `toJSON(key)`            |
 * | other class instances                    | own enumerable properties                      |
 * | a reference to an enclosing object       | `"[Circular]"`                                 |
 * | nesting deeper than 1000                 | `"[Too deep]"`                                 |
 * | a getter or `toJSON` that throws         | `"[Unserializable]"`                           |
 *
 * Plain JSON data (what zod produces for most schemas) takes a fast path: one
 * read-only type scan, then `JSON.stringify` with no replacer and no copy.
 * @module
 */
import { isNativeError } from 'node:util/types';
import { FloatNumber } from './normalize.js';

/** How an `Error` appears in a webhook body. */
export interface ErrorObject {
  /** The error's `name`, e.g. `TypeError`, `HandlerError`. */
  type: string;
  /** The error's `message`. */
  message: string;
  /** The error's `code` when it has a string or numeric one (as a string). */
  code?: string;
}

/** Marker for a reference back to an enclosing object. */
export const CIRCULAR = '[Circular]';
/** Marker for a value nested deeper than {@link MAX_DEPTH}. */
export const TOO_DEEP = '[Too deep]';
/** Marker for a value whose getter or `toJSON` threw. */
export const UNSERIALIZABLE = '[Unserializable]';
/** Deepest nesting serialised; anything below becomes {@link TOO_DEEP}. */
export const MAX_DEPTH = 1000;

// Values nested deeper than this skip the fast path (cycles end up here too).
const FAST_PATH_MAX_DEPTH = 200;

/**
 * JSON text of `value` in the reduced form documented above, or `undefined`
 * when the value itself is dropped (`undefined`, a function, a symbol).
 * Deterministic: equal inputs give identical text. Never throws.
 */
export function serializeJson(value: unknown): string | undefined {
  let plain: boolean;
  try {
    plain = isPlainJson(value, 0);
  } catch {
    plain = false; // a throwing getter: the slow path isolates it
  }
  if (plain) {
    try {
      return JSON.stringify(value);
    } catch {
      // a getter that throws only on its second read; fall through
    }
  }
  try {
    return JSON.stringify(reduce(value, '', new Set()));
  } catch {
    return JSON.stringify(UNSERIALIZABLE);
  }
}

/**
 * `value` reduced to plain JSON data as documented above (`undefined` when it
 * is dropped); a {@link FloatNumber} is kept as it is. Never throws.
 */
export function reduceJson(value: unknown): unknown {
  try {
    return reduce(value, '', new Set());
  } catch {
    return UNSERIALIZABLE;
  }
}

/** The {@link ErrorObject} of a thrown value (an `Error` or anything else). Never throws. */
export function errorObject(err: unknown): ErrorObject {
  if (!isError(err)) {
    return { type: typeof err === 'object' && err !== null ? 'Object' : typeof err, message: safeString(err) };
  }
  const type = read(() => err.name);
  const message = read(() => err.message);
  const code = read(() => (err as { code?: unknown }).code);
  const out: ErrorObject = {
    type: typeof type === 'string' && type !== '' ? type : 'Error',
    message: typeof message === 'string' ? message : message === undefined ? '' : safeString(message),
  };
  if (typeof code === 'string' || (typeof code === 'number' && Number.isFinite(code))) out.code = String(code);
  return out;
}

/** True when `JSON.stringify(value)` already yields the documented form. */
function isPlainJson(value: unknown, depth: number): boolean {
  if (typeof value !== 'object') return typeof value !== 'bigint';
  if (value === null) return true;
  if (depth > FAST_PATH_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Date.prototype) return true;
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** A JSON-safe copy of `value` (`undefined` = drop). `ancestors` holds the enclosing objects. */
function reduce(value: unknown, key: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof FloatNumber) return obj;
  if (ancestors.has(obj)) return CIRCULAR;
  if (ancestors.size >= MAX_DEPTH) return TOO_DEEP;
  if (obj instanceof Date) {
    const time = obj.getTime();
    return Number.isFinite(time) ? obj.toISOString() : null;
  }
  if (isError(obj)) return errorObject(obj);
  if (obj instanceof Uint8Array) return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64');
  if (obj instanceof ArrayBuffer) return Buffer.from(obj).toString('base64');
  if (obj instanceof DataView) return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64');
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean || obj instanceof BigInt) {
    return reduce(obj.valueOf(), key, ancestors);
  }

  ancestors.add(obj);
  try {
    if (Array.isArray(obj) || ArrayBuffer.isView(obj)) {
      const source = obj as ArrayLike<unknown>;
      const out: unknown[] = new Array(source.length);
      for (let i = 0; i < source.length; i++) out[i] = reduceProperty(source, i, ancestors) ?? null;
      return out;
    }
    if (obj instanceof Set) {
      const out: unknown[] = [];
      let i = 0;
      for (const item of obj) out.push(guard(() => reduce(item, String(i++), ancestors)) ?? null);
      return out;
    }
    if (obj instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of obj) {
        if (typeof k === 'symbol') continue;
        const name = mapKey(k, ancestors);
        const reduced = guard(() => reduce(v, name, ancestors));
        if (reduced !== undefined) defineKey(out, name, reduced);
      }
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(obj, key);
      // obj stays in `ancestors`, so a toJSON() that returns a structure pointing back is caught.
      if (replaced !== obj) return reduce(replaced, key, ancestors);
    }
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(obj)) {
      const reduced = reduceProperty(obj as Record<string, unknown>, name, ancestors);
      if (reduced !== undefined) defineKey(out, name, reduced);
    }
    return out;
  } finally {
    ancestors.delete(obj);
  }
}

function reduceProperty(holder: object, name: string | number, ancestors: Set<object>): unknown {
  return guard(() => reduce((holder as Record<string | number, unknown>)[name], String(name), ancestors));
}

function guard(fn: () => unknown): unknown {
  try {
    return fn();
  } catch {
    return UNSERIALIZABLE;
  }
}

function mapKey(k: unknown, ancestors: Set<object>): string {
  if (typeof k === 'string') return k;
  if (typeof k !== 'object' || k === null) return String(k);
  const text = guard(() => JSON.stringify(reduce(k, '', ancestors)));
  return typeof text === 'string' ? text : UNSERIALIZABLE;
}

/** Sets an own data property, even for the key `__proto__`. */
function defineKey(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/** `instanceof Error`, or a native error from another realm (e.g. `vm`). */
function isError(value: unknown): value is Error {
  return value instanceof Error || isNativeError(value);
}

function read(fn: () => unknown): unknown {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return UNSERIALIZABLE;
  }
}
