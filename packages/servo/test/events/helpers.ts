/**
 * Small helpers for the dispatch tests: participants built from a fresh
 * handler registry, deferreds, and a bound on how long a dispatch may take
 * (so a deadlock fails the test instead of hanging it).
 */
import { z } from 'zod';
import { defineEvent } from '../../src/events/event.js';
import { HandlerRegistry } from '../../src/events/handlers.js';
import type { Participant } from '../../src/events/dispatch.js';

/** A participant named `name` with its own handler registry. */
export function participant(name: string): Participant & { handlers: HandlerRegistry } {
  return { name, handlers: new HandlerRegistry() };
}

/** A promise with its resolve function exposed. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with `promise`, or rejects when it takes longer than `ms` (a deadlock). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms}ms (deadlock?)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A test event with a nested parameter schema and a default. */
export const ping = defineEvent({
  name: 'ping',
  description: 'A test event',
  params: z.object({
    message: z.string().default('hello'),
    items: z.array(z.object({ n: z.number() })).default([]),
  }),
  result: z.string(),
});
