/**
 * Installation: `npm install` links the `servo` command before `prepare` builds dist/, so
 * the bin npm links must be a committed file; and the built package holds one copy of
 * servo-core's code, which the CLI and the connectors importing 'servo-core' share.
 * These run npm and the bin as subprocesses: only a real install shows what npm links.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PKG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(PKG_DIR, 'dist');
const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, unknown>;
};

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

async function exitOf(file: string, args: string[], cwd: string): Promise<Exit> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the servo command after npm install', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('names a committed file as its bin, shipped with the package', () => {
    const target = manifest.bin.servo;
    expect(target).toBeDefined();
    expect(target).not.toMatch(/(^|\/)dist\//);
    expect(existsSync(join(PKG_DIR, target!))).toBe(true);
    expect(manifest.files).toContain(target!.replace(/^\.\//, '').split('/')[0]);
  });

  it('is linked into node_modules/.bin by a workspace install that has not built yet, and runs once built', async () => {
    // A workspace like the repository's, as a fresh clone has it: servo-core's package.json
    // and bin/, no dist/. Its dependencies are left out so that npm needs no registry.
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'servo-install-')));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'install-check', private: true, workspaces: ['servo'] }));
    const { dependencies: _deps, ...withoutDeps } = manifest as typeof manifest & { dependencies?: unknown };
    cpSync(join(PKG_DIR, 'bin'), join(dir, 'servo', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'servo', 'package.json'), JSON.stringify(withoutDeps));
    const npm = await exitOf('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
    expect(npm.stderr).not.toMatch(/ERR!/);
    expect(npm.code).toBe(0);

    const servo = join(dir, 'node_modules', '.bin', 'servo');
    expect(existsSync(servo)).toBe(true);
    const unbuilt = await exitOf(servo, ['version'], dir);
    expect(unbuilt.code).toBe(70);
    expect(unbuilt.stderr).toContain('servo-core is not built');

    // `prepare` builds dist/ next; the built CLI stands in for it.
    symlinkSync(DIST, join(dir, 'servo', 'dist'), 'dir');
    const built = await exitOf(servo, ['version'], dir);
    expect(built).toEqual({ code: 0, stdout: `servo ${manifest.version} (node ${process.versions.node})\n`, stderr: '' });
  });
});

describe('the built package', () => {
  it('holds no per-module copies: its .js files are the entry points and what they import', () => {
    const entries = [join(DIST, 'cli', 'main.js')];
    for (const value of Object.values(manifest.exports)) {
      const target = typeof value === 'string' ? value : (value as { default?: string }).default;
      if (target?.endsWith('.js')) entries.push(join(PKG_DIR, target));
    }
    for (const d of readdirSync(join(DIST, 'connectors'), { withFileTypes: true }))
      if (d.isDirectory()) entries.push(join(DIST, 'connectors', d.name, 'index.js'));
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+\.js)['"]/g)) visit(resolve(dirname(file), m[1]!));
    };
    for (const e of entries) visit(e);
    const all: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.js')) all.push(join(d, e.name));
      }
    };
    walk(DIST);
    expect(all.filter((f) => !reached.has(f)).map((f) => relative(DIST, f))).toEqual([]);
  });

  it('gives the package entry, its ./cli subpath and the built-in connectors one copy of servo-core', async () => {
    // What a connector sees (`import ... from 'servo-core'`) and what the CLI runs share their classes.
    const script = `
      const root = await import('servo-core');
      const cli = await import('servo-core/cli');
      const scripts = await import(${JSON.stringify(pathToFileURL(join(DIST, 'connectors', 'scripts', 'index.js')).href)});
      console.log(JSON.stringify([cli.UsageError.prototype instanceof root.ServoError, scripts.ScriptError.prototype instanceof root.ServoError]));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: PKG_DIR, encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual([true, true]);
  });
});
