/**
 * Checks a value against a JSON Schema with zod 4's `z.fromJSONSchema` (ajv is
 * not installed). Returns the list of problems, empty when valid.
 */
import { z } from 'servo-core';

/** Problems of `value` against `schema` (`path: message`), or `[]` when it validates. */
export function jsonSchemaProblems(schema: object, value: unknown): string[] {
  const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  const r = validator.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
