#!/usr/bin/env node
// Builds servo-core's JavaScript after `tsc -b`, which writes only the .d.ts files (emitDeclarationOnly).
//
// Why: `servo measure` needs the library, zod, yaml and commander. As tsc's one file per module
// plus those packages' own files, it opened over 200 JavaScript files and compiled them all on
// every start. Now:
// - One bundle, dist/servo-core.cjs, holds all of servo-core (library, CLI, built-in connectors)
//   with zod, yaml and commander inlined; servo-core's copy of zod leaves out the locales it
//   never uses.
// - dist/load.js runs it once per process through node:vm with a V8 code cache
//   (dist/servo-core.cjs.cache) written here by running a few commands: compiled functions are
//   read back instead of parsed and compiled again. Node 20 has no compile cache for modules;
//   a cache from another Node version is rejected by V8 and the code compiles as usual.
// - Each file the package exposes (dist/index.js, dist/cli/index.js, dist/cli/main.js, the
//   built-in connectors) is a small ES module that re-exports its part of that one bundle.
//
// One servo-core instance: connectors `import ... from 'servo-core'` and rely on instanceof
// checks and shared event definitions. Every entry reads the same module, dist/load.js, which
// ES modules evaluate once per process, so the CLI and connectors share one copy of each class
// and event definition. Stray .js files in dist/ (an older build's) are removed so nothing can
// load another.
//
// See bench/README.md ("Start-up") for the figures. Usage: node packages/servo/build.mjs
// (after `tsc -b packages/servo`), with the Node that will run the CLI (the cache is V8's).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const pkgDir = dirname(fileURLToPath(import.meta.url));
const src = join(pkgDir, 'src');
const dist = join(pkgDir, 'dist');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const BUNDLE = join(dist, 'servo-core.cjs');
const LOADER = join(dist, 'load.js');
const MAIN = join(src, 'cli', 'main.ts');

/** The modules whose exports the package exposes: its "exports" targets and built-in connectors. */
function entryModules() {
  const targets = new Set();
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

/** What src/cli/main.ts imports: the CLI's entry runs at import, so the bundle holds only these. */
function mainImports() {
  return [...readFileSync(MAIN, 'utf8').matchAll(/from\s+'(\.[^']+)\.js'/g)].map((m) => join(dirname(MAIN), `${m[1]}.ts`));
}

const distPath = (srcFile) => relative(src, srcFile).split(sep).join('/').replace(/\.ts$/, '.js');

// Source rewrites for code that runs inside the bundle:
// - `import.meta.url` means "where this module's .js is" (code finds the built-in connectors and
//   package.json beside it): it becomes that place under dist/, from the bundle's own path.
// - `import(x)` of a computed specifier (installed connectors) goes through the loader's
//   `__servoImport`: code run by node:vm has no module loader of its own.
const sourceRewrites = {
  name: 'source-rewrites',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const url = `new URL(${JSON.stringify(distPath(args.path))}, require('node:url').pathToFileURL(__filename)).href`;
      text = text.replaceAll('import.meta.url', url).replace(/(?<![\w$.])import\((?!\s*['"`])/g, '__servoImport(');
      return { contents: text, loader: 'ts' };
    });
  },
};

// zod's `z` namespace re-exports every locale: half of its code. servo-core's copy of zod is
// private to the bundle and speaks English (zod's default); connectors import zod themselves.
// (zod keeps its global registry and configuration on globalThis, and recognises schemas by
// their traits rather than by class, so a connector's schemas and servo-core's mix freely.)
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

// The loader: the bundle's one evaluation in a process. Without a usable cache, V8 compiles.
const LOADER_SOURCE = `// Generated by build.mjs: runs dist/servo-core.cjs once per process, with V8's code cache.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const filename = fileURLToPath(new URL('./servo-core.cjs', import.meta.url));
const cacheFile = \`\${filename}.cache\`;
const source = \`(function (exports, require, module, __filename, __dirname, __servoImport) {\${readFileSync(filename, 'utf8')}\\n})\`;
export const script = new Script(source, { filename, cachedData: existsSync(cacheFile) ? readFileSync(cacheFile) : undefined });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename), (specifier) => import(specifier));
export default module.exports.default;
`;

/** An ES module re-exporting `names` of the bundle's namespace `key`. */
function facade(file, key, names) {
  const loader = relative(dirname(file), LOADER).split(sep).join('/');
  const lines = [`import core from '${loader.startsWith('.') ? loader : `./${loader}`}';`, `const ns = core[${JSON.stringify(key)}];`];
  const named = names.filter((n) => n !== 'default');
  for (const [i, n] of named.entries()) lines.push(`const v${i} = ns[${JSON.stringify(n)}];`);
  if (named.length) lines.push(`export { ${named.map((n, i) => `v${i} as ${n}`).join(', ')} };`);
  if (names.includes('default')) lines.push('export default ns.default;');
  return `${lines.join('\n')}\n`;
}

// 1. The bundle: one namespace per entry module.
const exposed = entryModules().filter((e) => e !== MAIN);
const entries = [...new Set([...exposed, ...mainImports()])];
const keyOf = new Map(entries.map((e) => [e, distPath(e)]));
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
for (const f of [BUNDLE, `${BUNDLE}.cache`, `${BUNDLE}.map`]) rmSync(f, { force: true });
await build({
  stdin: {
    contents:
      entries.map((e, i) => `import * as e${i} from ${JSON.stringify(e)};`).join('\n') +
      `\nexport default { ${entries.map((e, i) => `${JSON.stringify(keyOf.get(e))}: e${i}`).join(', ')} };\n`,
    resolveDir: src,
    sourcefile: 'servo-core-entries.js',
    loader: 'js',
  },
  outfile: BUNDLE,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [sourceRewrites, zodEnglishOnly],
});
const bundleText = readFileSync(BUNDLE, 'utf8');
if (/(?<![\w$.])import\(/.test(bundleText)) throw new Error('build.mjs: the bundle still calls import(), which code run by node:vm cannot');
writeFileSync(LOADER, LOADER_SOURCE);

// 2. The facades, with the names each entry module exports (read from the bundle itself).
const probe = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const core = (await import(${JSON.stringify(pathToFileURL(LOADER).href)})).default; console.log(JSON.stringify(Object.fromEntries(Object.entries(core).map(([k, ns]) => [k, Object.keys(ns)]))));`,
  ],
  {
    encoding: 'utf8',
  },
);
if (probe.status !== 0) throw new Error(`build.mjs: loading the bundle failed:\n${probe.stderr}`);
const namesOf = JSON.parse(probe.stdout);
const written = new Set([BUNDLE, `${BUNDLE}.map`, LOADER]);
for (const e of exposed) {
  const file = join(dist, keyOf.get(e));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, facade(file, keyOf.get(e), namesOf[keyOf.get(e)]));
  written.add(file);
}
// The CLI's entry: src/cli/main.ts with its imports served by the bundle.
const mainFile = join(dist, 'cli', 'main.js');
await build({
  entryPoints: [MAIN],
  outfile: mainFile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [
    {
      name: 'main-from-bundle',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          const target = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
          return args.importer === MAIN && keyOf.has(target) ? { path: target, namespace: 'bundle-facade' } : undefined;
        });
        b.onLoad({ filter: /.*/, namespace: 'bundle-facade' }, (args) => ({
          contents: facade(mainFile, keyOf.get(args.path), namesOf[keyOf.get(args.path)]),
          resolveDir: dirname(mainFile),
          loader: 'js',
        }));
        b.onResolve({ filter: /load\.js$/ }, (args) => (args.namespace === 'bundle-facade' ? { path: '../load.js', external: true } : undefined));
      },
    },
  ],
});
chmodSync(mainFile, 0o755);
written.add(mainFile);

// 3. The code cache: run a few commands (version, help, validate, measure) so that the functions
// they call are compiled, then save what V8 compiled.
const work = mkdtempSync(join(tmpdir(), 'servo-core-build-'));
try {
  writeFileSync(
    join(work, 'servo.yaml'),
    `scripts:\n  on:\n    measure: ["echo '{\\"readings\\": [{\\"metric\\": {\\"name\\": \\"rps\\", \\"unit\\": \\"rps\\"}, \\"time\\": \\"2026-01-01T00:00:00Z\\", \\"value\\": 1}]}'"]\n`,
  );
  const warm = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { writeFileSync } from 'node:fs';
const { script, default: core } = await import(${JSON.stringify(pathToFileURL(LOADER).href)});
const { runCli } = core[${JSON.stringify(keyOf.get(join(src, 'cli', 'program.ts')))}];
const sink = { write() { return true; } };
const io = { stdout: sink, stderr: sink, cwd: ${JSON.stringify(work)}, env: {} };
for (const argv of [['version'], ['--help'], ['validate'], ['measure'], ['show', 'events']]) await runCli(argv, io);
writeFileSync(${JSON.stringify(`${BUNDLE}.cache`)}, script.createCachedData());`,
    ],
    // The cache is checked against V8's flags: write it as `servo` runs, without NODE_OPTIONS.
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (warm.status !== 0) throw new Error(`build.mjs: writing the code cache failed:\n${warm.stderr}`);
  written.add(`${BUNDLE}.cache`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Any other JavaScript in dist/ (an older build's per-module files) would be a second copy.
const sweep = (dir) => {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) sweep(p);
    else if (/\.js(\.map)?$/.test(d.name) && !written.has(p)) rmSync(p);
  }
};
sweep(dist);
