/**
 * Field paths as printed in configuration errors: `webhooks[0].url`.
 * @module
 */

/** One step into a value: a mapping key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats a path with the connector instance name first:
 * `["webhooks", 0, "url"]` -> `webhooks[0].url`; keys that are not plain
 * words are quoted: `hooks["before:measure"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  path.forEach((segment, i) => {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (i === 0) out += key;
      else out += PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
  });
  return out;
}
