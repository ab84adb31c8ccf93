/**
 * Temporary servo assemblies on disk: a folder with servo.yaml and the
 * scripts the built-in `scripts` connector runs (measure.sh answers a
 * measurement; adjust.sh leaves a marker file, so a test can tell it never ran).
 * @module
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary assembly folder. */
export interface Assembly {
  readonly dir: string;
  /** Absolute path of its servo.yaml. */
  readonly configFile: string;
  /** Path of the file adjust.sh writes when it runs. */
  readonly adjustMarker: string;
  /** True once adjust.sh has run. */
  adjustRan(): boolean;
  /** Writes (or replaces) servo.yaml. */
  writeConfig(yaml: string): void;
  /** Removes the folder. */
  remove(): void;
}

/** measure.sh: reads the params, prints a measurement the Measurement model accepts. */
export const MEASURE_SH = `#!/bin/sh
cat > /dev/null
cat <<'JSON'
{"readings": [{"metric": {"name": "throughput", "unit": "rps"}, "time": "2026-01-01T00:00:00Z", "value": 1234.5}], "annotations": {"source": "test"}}
JSON
`;

/** adjust.sh: records that it ran (and with what), then answers a description. */
export const ADJUST_SH = `#!/bin/sh
cat > adjust-ran.marker
cat <<'JSON'
{"components": [{"name": "web", "settings": [{"name": "cpu", "type": "range", "min": 0.25, "max": 4, "step": 0.25, "value": 1, "unit": "cores", "pinned": false}]}], "metrics": []}
JSON
`;

/** A `scripts` section answering measure and adjust with the scripts above. */
export const SCRIPTS_SECTION = `scripts:
  on:
    measure: [./measure.sh]
    adjust: [./adjust.sh]
`;

/** Creates a temporary folder with measure.sh, adjust.sh and (optionally) servo.yaml. */
export function makeAssembly(yaml?: string): Assembly {
  const dir = mkdtempSync(join(tmpdir(), 'servo-webhooks-e2e-'));
  const configFile = join(dir, 'servo.yaml');
  for (const [name, text] of [
    ['measure.sh', MEASURE_SH],
    ['adjust.sh', ADJUST_SH],
  ] as const) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  const adjustMarker = join(dir, 'adjust-ran.marker');
  const a: Assembly = {
    dir,
    configFile,
    adjustMarker,
    adjustRan: () => existsSync(adjustMarker),
    writeConfig: (text) => writeFileSync(configFile, text),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (yaml !== undefined) a.writeConfig(yaml);
  return a;
}
