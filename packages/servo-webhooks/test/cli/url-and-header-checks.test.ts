/**
 * `servo validate` rejects a URL without a host (`http:///path`), port 0,
 * and header names that differ only in case (one would silently replace the
 * other), each as a located error. In-process CLI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from '../helpers/assembly.js';

let asm: Assembly;
beforeEach(() => {
  asm = makeAssembly();
});
afterEach(() => asm.remove());

function validate(url: string, extra = '') {
  asm.writeConfig(`${SCRIPTS_SECTION}webhooks:\n  - name: hook\n    events: after:measure\n    url: ${url}\n    secret: s\n${extra}`);
  return runCli(['validate'], { config: asm.configFile, cwd: asm.dir });
}

describe('servo validate', () => {
  it.each([
    ['http:///path', /webhooks\[0\]\.url: the URL has no host/],
    ['http://127.0.0.1:0/hook', /webhooks\[0\]\.url: port 0 is not a port/],
    ['https://example.com:00/hook', /webhooks\[0\]\.url: port 0 is not a port/],
  ])('rejects %s', async (url, message) => {
    const run = await validate(url);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/servo\.yaml:8:\d+/);
    expect(run.stderr).toMatch(message);
  });

  it('rejects header names that differ only in case, in either form', async () => {
    for (const headers of ['    headers: {X-Env: a, x-env: b}\n', '    headers: [{name: X-Env, value: a}, {name: X-ENV, value: b}]\n']) {
      const run = await validate('http://127.0.0.1:9/hook', headers);
      expect(run.code, headers).toBe(2);
      expect(run.stderr).toMatch(/servo\.yaml:10:\d+.*repeats "X-Env" \(header names ignore case\)/);
    }
  });

  it('accepts an ordinary URL and distinct headers', async () => {
    const run = await validate('http://127.0.0.1:9/hook', '    headers: {X-Env: a, X-Team: b}\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
