/** `servo run` as a process with its HTTP endpoint on: started, and its URL read from the listening line. */
import type { ChildProcess } from 'node:child_process';
import { finished, startServo, waitFor, type CliRun } from '../../../../test-support/index.js';

/** A running `servo run` and the base URL of its endpoint. */
export interface Served {
  readonly child: ChildProcess;
  /** Settles when the process ends. */
  readonly exit: Promise<CliRun>;
  /** e.g. `http://127.0.0.1:41234` */
  readonly base: string;
  /** What it wrote to stderr so far. */
  stderr(): string;
}

/** Starts `servo ARGS` and waits until its endpoint listens; a process that exits first fails with its stderr. */
export async function startServed(args: string[], o: { config: string; env?: Record<string, string> }): Promise<Served> {
  const child = startServo(args, o.env ? { config: o.config, env: o.env } : { config: o.config });
  const exit = finished(child, 60_000);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`servo run exited ${child.exitCode}:\n${stderr}`);
      return /"msg":"HTTP endpoint listening/.test(stderr);
    },
    20_000,
    'the endpoint to listen',
  );
  const base = JSON.parse(stderr.split('\n').find((l) => l.includes('HTTP endpoint listening'))!).url as string;
  return { child, exit, base, stderr: () => stderr };
}
