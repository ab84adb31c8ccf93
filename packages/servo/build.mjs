#!/usr/bin/env node
// Bundles servo-core's JavaScript after `tsc -b` (which still writes the .d.ts files).
//
// Why: `servo measure` needs the library, zod, yaml and commander. As tsc's one file per module
// plus those packages' own files, it opened over 200 JavaScript files; bundled, it opens 20,
// and servo-core's copy of zod leaves out the locales it never uses. See bench/README.md
// ("Start-up") for the figures.
//
// One servo-core instance: connectors `import ... from 'servo-core'` and rely on instanceof
// checks and shared event definitions, while the CLI and the built-in connectors run the same
// code. So every entry (the package's exports, the CLI, the built-in connectors) is built in
// this one run with code splitting: code they share lives once, in dist/chunks/, and the
// package entry dist/index.js that connectors import is the same module graph the CLI runs.
// tsc's per-module .js files are removed so that nothing can load a second copy.
//
// Usage: node packages/servo/build.mjs (after `tsc -b packages/servo`).
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = dirname(fileURLToPath(import.meta.url));
const src = join(pkgDir, 'src');
const dist = join(pkgDir, 'dist');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

/** Every dist/X.js the package exposes, as its source src/X.ts. */
function entryPoints() {
  const targets = new Set(['./dist/cli/main.js']);
  const walk = (value) => {
    if (typeof value === 'string') targets.add(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
  };
  walk(pkg.exports);
  const entries = [];
  for (const target of targets) {
    const m = /^\.\/dist\/(.+)\.js$/.exec(target);
    if (m) entries.push(join(src, `${m[1]}.ts`));
  }
  // Built-in connectors are imported by path (see assembly/load.ts), like installed ones.
  for (const d of readdirSync(join(src, 'connectors'), { withFileTypes: true })) {
    if (d.isDirectory() && existsSync(join(src, 'connectors', d.name, 'index.ts'))) entries.push(join(src, 'connectors', d.name, 'index.ts'));
  }
  return [...new Set(entries)];
}

// `import.meta.url` in a source file means "where this module's .js is"; code that uses it
// finds files beside it (the built-in connectors, package.json). Bundled, the code lands in
// some other file, so each use becomes the URL of the module's own place under dist/, written
// relative to the output file that holds it once esbuild has chosen that file (see below).
const DIST_MARK = '__SERVO_DIST_DIR__';
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(src, args.path).split(sep).join('/').replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(`${DIST_MARK}/${rel}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

// zod's `z` namespace re-exports every locale: half of its code. servo-core's copy of zod is
// private to the bundle and speaks English (zod's default); connectors import zod themselves.
// (zod keeps its global registry and configuration on globalThis, and recognises schemas by
// their traits rather than by class, so a connector's schemas and servo-core's mix freely.)
// yaml's `node` build is CommonJS, which esbuild cannot split into a lazily loaded chunk
// with named exports; its ESM build (the package's `default` condition) is the same code.
const thirdParty = {
  name: 'third-party',
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
    b.onResolve({ filter: /^yaml$/ }, async (args) => {
      if (args.pluginData === 'yaml-esm') return undefined;
      const { path } = await b.resolve('yaml/package.json', { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'yaml-esm' });
      return { path: join(dirname(path), 'browser', 'index.js') };
    });
  },
};

rmSync(join(dist, 'chunks'), { recursive: true, force: true });
const result = await build({
  entryPoints: entryPoints(),
  outdir: dist,
  outbase: src,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  write: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [moduleUrls, thirdParty],
});

// CommonJS code bundled into ESM (commander) reaches Node's built-in modules through esbuild's
// `__require`, which needs a `require` in its file's scope; no other file pays for one.
// (pino and picomatch are loaded with createRequire when first needed: they stay dependencies.)
const REQUIRE = "import { createRequire as __servoCreateRequire } from 'node:module';\nconst require = __servoCreateRequire(import.meta.url);\n";
const written = new Set();
let needsRequire = false;
let gotRequire = false;
for (const file of result.outputFiles) {
  let text = file.text;
  if (file.path.endsWith('.js')) {
    // Padded with `/.` to the mark's length where it fits, so the source map's columns hold.
    let toDist = relative(dirname(file.path), dist).split(sep).join('/') || '.';
    while (toDist.length + 2 <= DIST_MARK.length) toDist += '/.';
    text = text.replaceAll(DIST_MARK, toDist);
    if (/typeof require\s*(<\s*"u"|!==?\s*"undefined")/.test(text)) {
      const hashbang = /^#!.*\n/.exec(text)?.[0] ?? '';
      text = hashbang + REQUIRE + text.slice(hashbang.length);
      gotRequire = true;
    }
    needsRequire ||= text.includes('__require(');
  }
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, text);
  written.add(file.path);
}
if (needsRequire && !gotRequire) throw new Error('build.mjs: bundled CommonJS calls __require, but no output file defines it as expected');
chmodSync(join(dist, 'cli', 'main.js'), 0o755);

// tsc's per-module JavaScript would be a second copy of the code: only the declarations stay.
const sweep = (dir) => {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) sweep(p);
    else if (/\.js(\.map)?$/.test(d.name) && !written.has(p)) rmSync(p);
  }
};
sweep(dist);
