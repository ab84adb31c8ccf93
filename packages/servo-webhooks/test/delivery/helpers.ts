/** Delivery test helpers: the shared receiver, clock and logger (test-support) in the shapes these tests use. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type RecordedRequest, type RawHandler, type RecordingLogger, recordingLogger, startReceiver } from '../../../../test-support/index.js';
import type { WebhookEndpoint } from '../../src/delivery/types.js';

export { FakeClock, reply, sleep, tick, waitFor } from '../../../../test-support/index.js';

/** One request a receiver got. */
export type Received = RecordedRequest;

/** Handler of a receiver: answers one request (`n` is 1-based). */
export type Handler = RawHandler;

/** A receiver on 127.0.0.1, port 0. */
export interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  /** Requests whose headers arrived (including ones whose handler never answers). */
  readonly started: number;
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a receiver; `handler` may be swapped later through `receiver.handler`. */
export async function receiver(handler: Handler, path = '/hook'): Promise<Receiver> {
  const r = await startReceiver();
  let current = handler;
  r.handler = (...args) => current(...args);
  return {
    url: r.url(path),
    requests: r.requests,
    get started() {
      return r.started;
    },
    get handler() {
      return current;
    },
    set handler(h) {
      current = h;
    },
    close: () => r.close(),
  };
}

/** A logger that keeps its lines; `attempts()` are the fields of its 'webhook attempt' lines. */
export function captureLogger(): RecordingLogger & { attempts(): Record<string, unknown>[] } {
  const log = recordingLogger();
  return Object.assign(log, { attempts: () => log.lines.filter((l) => l.msg === 'webhook attempt').map((l) => l.obj) });
}

/** A test endpoint. */
export function endpoint(name: string, url: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    name,
    url,
    secret: 'test-secret-do-not-log',
    headers: {},
    retry: { maxTries: 5, maxTimeMs: 60_000 },
    timeoutMs: 5_000,
    ...over,
  };
}

/** Encodes a string body. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A temporary folder per test and what to close after it, from {@link useScratch}. */
export interface Scratch {
  /** This test's folder (removed after it). */
  readonly dir: string;
  /** Closes `x` after the test (latest first); returns it. */
  keep<T extends { close(): unknown }>(x: T): T;
  /** A receiver closed after the test. */
  server(...args: Parameters<typeof receiver>): Promise<Receiver>;
}

/** Registers hooks that give each test of the file a fresh folder and close what it kept. */
export function useScratch(prefix: string): Scratch {
  let dir = '';
  const open: { close(): unknown }[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const scratch: Scratch = {
    get dir() {
      return dir;
    },
    keep(x) {
      open.push(x);
      return x;
    },
    async server(...args) {
      return scratch.keep(await receiver(...args));
    },
  };
  return scratch;
}
