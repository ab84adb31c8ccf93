/**
 * One Node version everywhere: the engines of the repository and of both
 * packages agree, the READMEs name the same version, and every runtime
 * dependency accepts it (a dependency that needs a newer Node than ours says
 * so here, not at a user's first run).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKSPACE } from '../../../../test-support/paths.js';

const json = (path: string) =>
  JSON.parse(readFileSync(`${WORKSPACE}/${path}`, 'utf8')) as { engines?: { node?: string }; dependencies?: Record<string, string> };
const MANIFESTS = ['package.json', 'packages/servo/package.json', 'packages/servo-webhooks/package.json'];

/** `>=20.19.0` -> [20, 19, 0] */
const version = (text: string) => text.split('.').map(Number) as [number, number, number];
const atLeast = (a: number[], b: number[]) => (a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!) >= 0;

/** True when the range (`>=a.b.c`, `>=a`, `^a`, `a.x`, joined by `||`) admits version `v`. */
function admits(range: string, v: [number, number, number]): boolean {
  return range.split('||').some((alt) => {
    const t = alt.trim();
    let m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(t);
    if (m) return atLeast(v, [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)]);
    m = /^(?:\^(\d+)|(\d+)\.x)$/.exec(t);
    if (m) return v[0] === Number(m[1] ?? m[2]);
    throw new Error(`cannot read the engines range "${range}"`);
  });
}

describe('the Node version', () => {
  const engines = MANIFESTS.map((m) => json(m).engines?.node);
  const min = /^>=(\d+\.\d+\.\d+)$/.exec(engines[0]!)?.[1];

  it('is the same in every package.json and in the READMEs', () => {
    expect(min).toBeDefined();
    expect(new Set(engines)).toEqual(new Set([`>=${min}`]));
    const [major, minor] = version(min!);
    for (const readme of ['README.md', 'packages/servo/README.md']) {
      const text = readFileSync(`${WORKSPACE}/${readme}`, 'utf8');
      expect(text, readme).toContain(`${major}.${minor}+`);
      for (const m of text.matchAll(/\b(\d+)\.(\d+)\+/g)) if (Number(m[1]) === major) expect(`${m[1]}.${m[2]}+`, readme).toBe(`${major}.${minor}+`);
    }
  });

  it('reads engines ranges as npm does', () => {
    expect(admits('>=20.19.0', [20, 18, 1])).toBe(false);
    expect(admits('>=20.19.0', [20, 19, 0])).toBe(true);
    expect(admits('^16 || ^18 || >=20', [20, 19, 0])).toBe(true);
    expect(admits('20.x || 22.x', [21, 0, 0])).toBe(false);
  });

  it('is accepted by every runtime dependency', () => {
    const v = version(min!);
    for (const pkg of MANIFESTS.slice(1)) {
      for (const dep of Object.keys(json(pkg).dependencies ?? {})) {
        const range = json(`node_modules/${dep}/package.json`).engines?.node as string | undefined;
        if (range !== undefined) expect(admits(range, v), `${dep} engines ${range}`).toBe(true);
      }
    }
  });
});
