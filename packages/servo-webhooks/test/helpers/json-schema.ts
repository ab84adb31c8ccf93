/**
 * Checks a value against a JSON Schema with ajv in strict mode (draft 2020-12,
 * with ajv-formats), as a receiver that validates would. Returns the list of
 * problems, empty when valid; a schema that does not compile in strict mode throws.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export is the function, or holds it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** A strict-mode ajv with the formats, as a receiver would set it up. */
export function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles `schema` in ajv's strict mode (throws when it does not compile). */
export function compileStrict(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = strictAjv().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Problems of `value` against `schema` (`path: message`), or `[]` when it validates. */
export function jsonSchemaProblems(schema: object, value: unknown): string[] {
  const validate = compileStrict(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`);
}
