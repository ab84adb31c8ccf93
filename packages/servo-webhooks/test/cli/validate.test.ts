/**
 * `servo validate` and `servo generate` on webhooks sections, through the
 * built CLI in a subprocess: located errors (file:line:col and the field
 * path), exit code 2, and secrets never printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';
import { assertBuilt, runServo } from '../helpers/cli.js';
import { SEED_YAML } from '../helpers/seed.js';

/**
 * `line:col` (1-based) of `needle` on the `nth` (0-based) line containing
 * `anchor` (default: `needle` itself), computed from the file text.
 */
function locate(text: string, needle: string, anchor = needle, nth = 0): string {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(anchor) ? [i] : []));
  const i = hits[nth];
  if (i === undefined) throw new Error(`"${anchor}" occurs fewer than ${nth + 1} times`);
  const col = lines[i]!.indexOf(needle);
  if (col < 0) throw new Error(`"${needle}" not on line ${i + 1}`);
  return `${i + 1}:${col + 1}`;
}

const SECRET = 'Do-Not-Print-This-Secret-91';

let asm: Assembly;
beforeAll(() => {
  assertBuilt();
  asm = makeAssembly();
});
afterAll(() => asm.remove());

/** Writes `yaml` as servo.yaml and runs `servo validate`. */
async function validate(yaml: string, env: Record<string, string> = {}) {
  asm.writeConfig(yaml);
  return runServo(['validate'], { config: asm.configFile, cwd: asm.dir, env });
}

describe('servo validate', () => {
  it("accepts the seed's example as written", async () => {
    const run = await validate(SEED_YAML);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid, 1 connector: webhooks');
  });

  it('rejects on:measure and a wrong-case event with file:line:col, the field path and the valid choices', async () => {
    const yaml = `webhooks:
  - name: a
    events: on:measure
    url: http://127.0.0.1:9/a
    secret: ${SECRET}
  - name: b
    events:
      - after:measure
      - After:adjust
    url: http://127.0.0.1:9/b
    secret: ${SECRET}
`;
    const run = await validate(yaml);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${asm.configFile}:${locate(yaml, 'on:measure')}: webhooks[0].events: \`on:\` is not supported`);
    expect(run.stderr).toContain(`${asm.configFile}:${locate(yaml, 'After:adjust')}: webhooks[1].events[1]: wrong case, write "after:adjust"`);
    expect(run.stderr).toMatch(/expected one of: .*before:measure, after:measure/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('suggests the event a misspelled one was probably meant to be', async () => {
    const yaml = `webhooks:
  - name: a
    events: after:mesure
    url: http://127.0.0.1:9/a
    secret: ${SECRET}
`;
    const run = await validate(yaml);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${asm.configFile}:${locate(yaml, 'after:mesure')}: webhooks[0].events: unknown event "mesure" (did you mean "after:measure"?)`,
    );
  });

  it('rejects a non-http URL, a reserved header and a malformed whsec_ secret without printing the secrets', async () => {
    const bad = 'whsec_***not-base64***';
    const yaml = `webhooks:
  - name: a
    events: after:measure
    url: ftp://example.com/hooks
    secret: ${SECRET}
    headers:
      - name: x-fine
        value: ok
      - name: X-Servo-Signature
        value: forged
  - name: b
    events: after:measure
    url: http://127.0.0.1:9/b
    secret: "${bad}"
`;
    const run = await validate(yaml);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${asm.configFile}:${locate(yaml, 'ftp://')}: webhooks[0].url: expected an http:// or https:// URL`);
    expect(run.stderr).toContain(
      `${asm.configFile}:${locate(yaml, 'X-Servo-Signature')}: webhooks[0].headers[1].name: header "X-Servo-Signature" is set by the connector`,
    );
    expect(run.stderr).toMatch(/webhooks\[1\]\.secret: .*whsec_/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(run.stderr + run.stdout).not.toContain('not-base64');
  });

  it('requires a secret; ${VAR} works when set and is reported (not echoed) when unset', async () => {
    const missing = await validate(`webhooks:\n  - name: a\n    events: after:measure\n    url: http://127.0.0.1:9/a\n`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/webhooks\[0\]: .*secret/);

    const yaml = `webhooks:\n  - name: a\n    events: after:measure\n    url: http://127.0.0.1:9/a\n    secret: \${HOOK_SECRET}\n`;
    const set = await validate(yaml, { HOOK_SECRET: SECRET });
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(SECRET);

    const unset = await validate(yaml, { HOOK_SECRET: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain(`${asm.configFile}:${locate(yaml, '${HOOK_SECRET}')}: webhooks[0].secret:`);
    expect(unset.stderr).toContain('HOOK_SECRET');
  });

  it('rejects duplicate names and bad backoff / timeout / failure_policy values in the mapping form', async () => {
    const yaml = `webhooks:
  drain_timeout: 2s
  webhooks:
    - name: twin
      events: after:measure
      url: http://127.0.0.1:9/a
      secret: ${SECRET}
    - name: twin
      events: after:measure
      url: http://127.0.0.1:9/b
      secret: ${SECRET}
`;
    const dup = await validate(yaml);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain(`${asm.configFile}:${locate(yaml, 'twin', 'name: twin', 1)}: webhooks.webhooks[1].name: duplicate webhook name "twin"`);

    const values = `webhooks:
  - name: a
    events: after:measure
    url: http://127.0.0.1:9/a
    secret: ${SECRET}
    backoff:
      max_tries: 0
      max_time: 5m
    timeout: soon
    failure_policy: maybe
`;
    const run = await validate(values);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${asm.configFile}:${locate(values, '0', 'max_tries')}: webhooks[0].backoff.max_tries:`);
    expect(run.stderr).toContain(`${asm.configFile}:${locate(values, 'soon')}: webhooks[0].timeout: invalid duration`);
    expect(run.stderr).toMatch(/webhooks\[0\]\.failure_policy: expected one of: ignore, fail/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('accepts `backoff: false`, a 200ms timeout and events as a plain string', async () => {
    const run = await validate(`webhooks:
  - events: before:adjust
    url: https://example.com/gate
    secret: ${SECRET}
    backoff: false
    timeout: 200ms
    failure_policy: fail
`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('servo generate webhooks', () => {
  it('--defaults --stdout prints a configuration that validates', async () => {
    const gen = await runServo(['generate', '--defaults', 'webhooks', '--stdout'], { cwd: asm.dir });
    expect(gen.code).toBe(0);
    const doc = parse(gen.stdout);
    expect(Array.isArray(doc.webhooks.webhooks)).toBe(true);
    expect(doc.webhooks.webhooks.length).toBeGreaterThan(0);
    expect(doc.webhooks).toHaveProperty('drain_timeout');
    const run = await validate(gen.stdout);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('writes a file that validates', async () => {
    const file = join(asm.dir, 'generated.yaml');
    const gen = await runServo(['generate', 'webhooks', '--file', file], { cwd: asm.dir });
    expect(gen.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(parse(text).webhooks[0].events).toBeDefined();
    const run = await runServo(['validate'], { config: file, cwd: asm.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Refuses to overwrite it.
    const again = await runServo(['generate', 'webhooks', '--file', file], { cwd: asm.dir });
    expect(again.code).toBe(2);
  });
});

describe('SERVO_WEBHOOKS_<FIELD> overrides and servo config', () => {
  let asm: Assembly;
  beforeAll(() => {
    asm = makeAssembly(`webhooks:
  store: memory
  webhooks:
    - name: sink
      events: after:measure
      url: https://user:pa55word@hooks.example.com/in?token=tok-123
      secret: Config-Must-Not-Show-This
      headers: {X-Api-Auth: header-secret-value}
`);
  });
  afterAll(() => asm.remove());

  it('overrides a delivery setting the file does not mention, and prints the effective values without secrets', async () => {
    const run = await runServo(['config', '--output', 'json'], {
      config: asm.configFile,
      cwd: asm.dir,
      env: { SERVO_WEBHOOKS_DRAIN_TIMEOUT: '90s', SERVO_WEBHOOKS_CONCURRENCY: '2' },
    });
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout).webhooks;
    expect(printed).toMatchObject({ drain_timeout: '1m30s', concurrency: 2, store: 'memory' });
    for (const secret of ['Config-Must-Not-Show-This', 'pa55word', 'tok-123', 'header-secret-value']) expect(run.stdout).not.toContain(secret);
    expect(printed.webhooks[0].url).toMatch(/^https:\/\/\*\*\*@hooks\.example\.com\/in\?token=\*\*\*$/);
  });

  it('an override with a bad value names the variable', async () => {
    const run = await runServo(['validate'], { config: asm.configFile, cwd: asm.dir, env: { SERVO_WEBHOOKS_CONCURRENCY: 'lots' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SERVO_WEBHOOKS_CONCURRENCY');
  });
});
