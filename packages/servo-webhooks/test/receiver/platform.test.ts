/**
 * The receiver toolkit's packaging promises: the WebCrypto build (the
 * exports map's `default`) reaches nothing from `node:*` or any package, and
 * the committed event types match the body JSON Schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { pkgDir } from './builds.js';

describe('servo-webhooks/receiver packaging', () => {
  it('bundles the WebCrypto build for a neutral platform with no import left (no node:*, no package)', async () => {
    const result = await build({
      entryPoints: [join(pkgDir, 'dist/receiver/index.js')],
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.every((f) => f.includes('dist/receiver/'))).toBe(true);
    const outputs = Object.values(result.metafile.outputs);
    expect(outputs.flatMap((o) => o.imports)).toEqual([]);
  });

  it('the node build differs only by its crypto module', async () => {
    const result = await build({
      entryPoints: [join(pkgDir, 'dist/receiver/index.node.js')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).toEqual(['node:crypto']);
  });

  it('events.generated.ts is what scripts/receiver-types.mjs generates from the body schemas now (run it after changing an event)', async () => {
    const { generate, target } = await import(join(pkgDir, 'scripts/receiver-types.mjs'));
    expect(readFileSync(target, 'utf8'), 'stale: run node packages/servo-webhooks/scripts/receiver-types.mjs').toBe(await generate());
  });
});
