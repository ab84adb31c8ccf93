/** Errors that point the right way: YAML indentation in plain words, a mis-indented scripts section, a misspelled override variable, a bad --duration (in-process CLI, real files). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test-support/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'servo-indent-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function validate(yaml: string) {
  writeFileSync(join(dir, 'servo.yaml'), yaml);
  return runCli(['validate'], { cwd: dir });
}

describe('a line indented to no column above it', () => {
  it('in a list item: one error naming the line, its indentation and the lines it could belong with', async () => {
    const r = await validate('scripts:\n  on:\n    measure:\n      - ./a.sh\n     - ./b.sh\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `servo.yaml:5:1: line 5 is indented 5 spaces, which lines up with no line above it: YAML reads the structure from the indentation, so it cannot tell where this line belongs`,
    );
    expect(r.stderr).toContain('indent it like the line it belongs with: line 4 (6 spaces) or line 3 (4 spaces)');
    expect(r.stderr).not.toContain('closing character');
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('servo:')),
    ).toHaveLength(1);
  });

  it('in a mapping: a key indented less than its siblings', async () => {
    const r = await validate('scripts:\n  on:\n    measure: [./m.sh]\n   adjust: [./a.sh]\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 4 is indented 3 spaces, which lines up with no line above it');
    expect(r.stderr).toContain('line 3 (4 spaces) or line 2 (2 spaces)');
  });

  it('on: at the top level reads as a scripts section that lost its indentation', async () => {
    const r = await validate('scripts:\non:\n  measure: [./m.sh]\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"on:" at the top level looks like part of a scripts section that lost its indentation');
    expect(r.stderr).not.toContain('install the package');
  });
});

describe('a bad --duration', () => {
  it('names the flag and the accepted units, not the event parameter', async () => {
    writeFileSync(join(dir, 'servo.yaml'), 'scripts:\n  on:\n    measure: [./m.sh]\n');
    const r = await runCli(['measure', '--duration', '5 minutes'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('servo: --duration "5 minutes": expected a duration such as "300ms", "5m" or "2h45m"');
    expect(r.stderr).toContain('e.g. --duration 30s');
    expect(r.stderr).not.toContain('control.duration');
  });
});

describe('a misspelled SERVO_<NAME>_<FIELD> override', () => {
  it('is reported with the variable it was probably meant to be and the known ones', async () => {
    writeFileSync(join(dir, 'servo.yaml'), 'scripts:\n  timeout: 10s\n  on:\n    measure: [./m.sh]\n');
    const r = await runCli(['validate'], { cwd: dir, env: { SERVO_SCRIPTS_TIMOUT: '5s' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environment variable SERVO_SCRIPTS_TIMOUT overrides no field of "scripts"');
    expect(r.stderr).toMatch(/did you mean SERVO_SCRIPTS_TIMEOUT \(field timeout\)\? known: .*SERVO_SCRIPTS_ON/);
    // The right name is applied; an unrelated SERVO_SCRIPTS_* variable is left alone.
    const ok = await runCli(['validate'], { cwd: dir, env: { SERVO_SCRIPTS_TIMEOUT: '5s', SERVO_SCRIPTS_SOMETHING_ELSE_ENTIRELY: 'x' } });
    expect(ok.code).toBe(0);
  });
});
