/**
 * The page's script and stylesheet: plain files in the package's `assets/`
 * folder (no build step), read once on first request. `../../assets` is the
 * same folder from `src/page/` and from `dist/page/`.
 * @module
 */
import { readFileSync } from 'node:fs';

/** The files the page serves under `BASE/assets/`, with their content types. */
const FILES: Readonly<Record<string, string>> = {
  'deliveries.js': 'text/javascript; charset=utf-8',
  'deliveries.css': 'text/css; charset=utf-8',
};

const cache = new Map<string, Buffer>();

/** The asset `name` as a response, or undefined for a name the page does not serve. */
export function assetResponse(name: string): Response | undefined {
  const type = FILES[name];
  if (!type) return undefined;
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = readFileSync(new URL(`../../assets/${name}`, import.meta.url));
    cache.set(name, bytes);
  }
  return new Response(new Uint8Array(bytes), { headers: { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' } });
}
