/**
 * What `npm pack` would publish for each package (`npm pack --dry-run --json`, the built
 * packages: `npm test` builds first): the README, the LICENSE, the code and declarations a
 * user needs, and no build leftovers (tsc's .tsbuildinfo), tests or sources. And the
 * package.json fields the registry shows: repository, homepage, keywords.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WORKSPACE } from '../connector/project.js';

const run = promisify(execFile);

interface Packed {
  name: string;
  files: { path: string }[];
}

async function packed(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(WORKSPACE, dir),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return (JSON.parse(stdout) as Packed[])[0]!.files.map((f) => f.path).sort();
}

const PACKAGES = {
  'packages/servo': [
    'bin/servo.js',
    'dist/servo-core.cjs',
    'dist/servo-core.cjs.cache',
    'dist/load.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/index.d.ts',
    'dist/cli/main.js',
  ],
  'packages/servo-webhooks': [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/connector.js',
    'dist/connector.d.ts',
    'dist/cli/index.js',
    'dist/page/index.js',
    'assets/deliveries.js',
    'assets/deliveries.css',
  ],
} as const;

describe.each(Object.entries(PACKAGES))('the tarball of %s', (dir, code) => {
  it('holds README.md, LICENSE (Apache-2.0), package.json and the code and declarations', async () => {
    const files = await packed(dir);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', ...code]));
    expect(readFileSync(join(WORKSPACE, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(WORKSPACE, 'LICENSE'), 'utf8'));
  });

  it('holds no build leftovers, tests or sources', async () => {
    const files = await packed(dir);
    expect(files.filter((f) => /\.tsbuildinfo$/.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|__snapshots__)\/|\.test\.[cm]?[jt]s$/.test(f))).toEqual([]);
    expect(files.filter((f) => /^src\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('names its repository, homepage and keywords, and the license its LICENSE holds', () => {
    const pkg = JSON.parse(readFileSync(join(WORKSPACE, dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: dir });
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.keywords).toEqual(expect.arrayContaining(['servo']));
  });
});

it('the repository holds the Apache License 2.0 in full', () => {
  const license = readFileSync(join(WORKSPACE, 'LICENSE'), 'utf8');
  expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
  expect(license).toContain('END OF TERMS AND CONDITIONS');
  expect(license).toContain('APPENDIX: How to apply the Apache License to your work.');
});
