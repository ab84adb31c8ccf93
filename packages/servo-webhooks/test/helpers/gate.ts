/**
 * A project with one before:adjust gate, `window`, posting to a receiver on
 * 127.0.0.1 at `/gate`: made before each test of the calling file and removed
 * after it.
 * @module
 */
import { afterEach, beforeEach } from 'vitest';
import { startReceiver, type Receiver, type Responder } from '../../../../test-support/index.js';
import { makeAssembly, SCRIPTS_SECTION, type Assembly } from './assembly.js';

/** The current test's project and receiver. */
export interface GateProject {
  readonly asm: Assembly;
  readonly rx: Receiver;
  /** Writes servo.yaml: the scripts section and the gate, `extra` appended to the gate's entry. */
  write(extra?: string): void;
}

/**
 * Registers the hooks that make and remove the project. `written: false`
 * leaves servo.yaml to the test (through `write`).
 */
export function useGateProject(respond?: Responder, options: { written?: boolean } = {}): GateProject {
  let asm: Assembly | undefined;
  let rx: Receiver | undefined;
  const project: GateProject = {
    get asm() {
      return asm!;
    },
    get rx() {
      return rx!;
    },
    write(extra = '') {
      asm!.writeConfig(`${SCRIPTS_SECTION}
webhooks:
  - name: window
    events: before:adjust
    url: ${rx!.url('/gate')}
    secret: gate-secret-long-enough
    backoff: false
${extra}`);
    },
  };
  beforeEach(async () => {
    asm = makeAssembly();
    rx = await startReceiver(respond);
    if (options.written !== false) project.write();
  });
  afterEach(async () => {
    await rx?.close();
    asm?.remove();
  });
  return project;
}
