/** Where the optimizer is: flags > environment > servo.yaml, the URL rules, the reserved key, the token never shown. */
import { writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OptimizerSection } from '../../src/assembly/config/optimizer-section.js';
import { resolveOptimizer } from '../../src/optimizer/config.js';
import { runCli, tempDir } from '../cli/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const section = (raw: unknown) => OptimizerSection.parse(raw);
const opts = { cwd: '/tmp' };

describe('resolveOptimizer', () => {
  it('is undefined when nothing names an optimizer', () => {
    expect(resolveOptimizer({}, { OPSANI_TOKEN: 'x' }, undefined, opts)).toBeUndefined();
  });

  it('builds the opsani URL from id and base_url, trailing slashes stripped', () => {
    const s = resolveOptimizer({}, {}, section({ id: 'example.com/app', base_url: 'http://127.0.0.1:9/api/' }), opts)!;
    expect(s.endpoint).toBe('http://127.0.0.1:9/api/accounts/example.com/applications/app/servo');
    expect(resolveOptimizer({}, {}, section({ id: 'o/a' }), opts)!.endpoint).toBe('https://api.opsani.com/accounts/o/applications/a/servo');
    expect(s.timeoutMs).toBe(30_000);
    expect(s.progressIntervalMs).toBe(30_000);
    expect(s.servoUid).toBeNull();
  });

  it('appends servo to url, adding a missing slash', () => {
    expect(resolveOptimizer({ url: 'http://h/x' }, {}, undefined, opts)!.endpoint).toBe('http://h/x/servo');
    expect(resolveOptimizer({ url: 'http://h/x/' }, {}, undefined, opts)!.endpoint).toBe('http://h/x/servo');
  });

  it('takes flags over the environment over the file', () => {
    const file = section({ id: 'f/f', token: 'file-token', servo_uid: 'file-uid', timeout: '2s' });
    const env = { OPSANI_OPTIMIZER: 'e/e', OPSANI_TOKEN: 'env-token', SERVO_UID: 'env-uid' };
    const fromEnv = resolveOptimizer({}, env, file, opts)!;
    expect(fromEnv.id).toBe('e/e');
    expect(fromEnv.token!.reveal()).toBe('env-token');
    expect(fromEnv.servoUid).toBe('env-uid');
    expect(fromEnv.timeoutMs).toBe(2000);
    const fromFlags = resolveOptimizer({ optimizer: 'g/g', token: 'flag-token' }, env, file, opts)!;
    expect(fromFlags.id).toBe('g/g');
    expect(fromFlags.token!.reveal()).toBe('flag-token');
    expect(resolveOptimizer({}, {}, file, opts)!.token!.reveal()).toBe('file-token');
  });

  it('reads a token file relative to servo.yaml, and never prints the token', async () => {
    const t = await tempDir('opt-token-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'token'), 'sekrit-token\n');
    const s = resolveOptimizer({}, {}, section({ id: 'o/a', token_file: 'token' }), { cwd: '/', configFile: join(t.dir, 'servo.yaml') })!;
    expect(s.token!.reveal()).toBe('sekrit-token');
    expect(`${s.token}`).toBe('********');
    expect(JSON.stringify(s)).not.toContain('sekrit');
    expect(inspect(s)).not.toContain('sekrit');
  });

  it('rejects bad values, naming where they came from', () => {
    expect(() => resolveOptimizer({ optimizer: 'noslash' }, {}, undefined, opts)).toThrow(/--optimizer: expected the optimizer as ORG\/APP/);
    expect(() => resolveOptimizer({}, { OPSANI_URL: 'ftp://x' }, undefined, opts)).toThrow(/environment variable OPSANI_URL: expected an http\(s\) URL/);
    expect(() => resolveOptimizer({}, {}, section({}), opts)).toThrow(/names no optimizer/);
    expect(() => resolveOptimizer({ url: 'http://u:tok@h/' }, {}, undefined, opts)).toThrow(/must not carry credentials/);
    expect(() => resolveOptimizer({ url: 'http://u:tok@h/' }, {}, undefined, opts)).not.toThrow(/tok@/);
  });
});

describe('the optimizer section of servo.yaml', () => {
  it('is reserved: no connector instance may take the name', async () => {
    const t = await tempDir('opt-reserved-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'servo.yaml'), 'connectors:\n  optimizer: scripts\n');
    const r = await runCli(['validate'], { config: join(t.dir, 'servo.yaml') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/servo\.yaml:2:3: connectors\.optimizer: "optimizer" is a reserved key .*no connector instance may take that name/);
  });

  it('is validated with located errors, and a ${VAR} token is never echoed', async () => {
    const t = await tempDir('opt-section-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'servo.yaml'), 'optimizer:\n  id: o/a\n  token: ${TOK}\n  timeout: soon\n  colour: red\nscripts: {}\n');
    const r = await runCli(['validate'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/servo\.yaml:4:12: optimizer\.timeout: /);
    expect(r.stderr).toMatch(/servo\.yaml:5:3: optimizer.*colour/);
    expect(r.stderr + r.stdout).not.toContain('sekrit');
    await writeFile(join(t.dir, 'servo.yaml'), 'optimizer:\n  id: o/a\n  token: ${TOK}\nscripts: {}\n');
    const ok = await runCli(['config'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(ok.code).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain('sekrit');
  });

  it('servo config shows it as written, the token redacted, the token file shown', async () => {
    const t = await tempDir('opt-shown-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'servo.yaml'), 'optimizer:\n  id: o/a\n  token: ${TOK}\n  token_file: /run/secrets/opsani\n  timeout: 10s\nscripts: {}\n');
    const r = await runCli(['--output', 'json', 'config'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).optimizer).toEqual({
      id: 'o/a',
      token: '********',
      token_file: '/run/secrets/opsani',
      timeout: '10s',
      progress_interval: '30s',
    });
    expect(r.stdout + r.stderr).not.toContain('sekrit');
    const yaml = await runCli(['config'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(yaml.stdout).toMatch(/^optimizer:\n {2}id: o\/a\n {2}token: "\*{8}"\n/m);
  });

  it('SERVO_OPTIMIZER_<FIELD> overrides a field of the section, validated and redacted like a connector field', async () => {
    const t = await tempDir('opt-override-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'servo.yaml'), 'optimizer:\n  id: o/a\n  timeout: 10s\nscripts: {}\n');
    const env = { SERVO_OPTIMIZER_TIMEOUT: '2s', SERVO_OPTIMIZER_TOKEN: 'sekrit-from-env', SERVO_OPTIMIZER_SERVO_UID: 'servo-7' };
    const r = await runCli(['--output', 'json', 'config'], { config: join(t.dir, 'servo.yaml'), env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).optimizer).toMatchObject({ id: 'o/a', timeout: '2s', token: '********', servo_uid: 'servo-7' });
    expect(r.stdout + r.stderr).not.toContain('sekrit');
    const bad = await runCli(['validate'], { config: join(t.dir, 'servo.yaml'), env: { SERVO_OPTIMIZER_TIMEOUT: 'soon' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SERVO_OPTIMIZER_TIMEOUT');
  });
});

describe('servo check', () => {
  it('checks that the optimizer answers HELLO, when one is configured, without showing the token', async () => {
    const { startOptimizer } = await import('./optimizer.js');
    const opt = await startOptimizer([]);
    cleanups.push(() => opt.close());
    const t = await tempDir('opt-check-');
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, 'servo.yaml'), `optimizer:\n  url: ${opt.url}\n  token: \${TOK}\nscripts: {}\n`);
    const ok = await runCli(['check'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(ok.stdout).toMatch(/optimizer\s+optimizer answers hello\s+critical\s+ok/);
    expect(opt.envelopes()[0]).toMatchObject({ event: 'HELLO' });
    expect(opt.receiver.requests[0]!.header('authorization')).toBe('Bearer sekrit-token');
    opt.intercept = () => ({ status: 401 });
    const refused = await runCli(['check'], { config: join(t.dir, 'servo.yaml'), env: { TOK: 'sekrit-token' } });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/FAILED.*refused the servo's credentials \(HTTP 401\)/);
    expect(ok.stdout + ok.stderr + refused.stdout + refused.stderr).not.toContain('sekrit');
  });
});
