/**
 * Where a channel message has been inside the servo, so response channels
 * cannot make a request storm: the webhooks it passed through and its hop
 * count travel in the message's metadata (never on the wire). A webhook never
 * posts a message that already passed through it, and no message travels more
 * than {@link MAX_HOPS} hops.
 * @module
 */
import type { Message } from 'servo-core';

/** Metadata key: JSON list of the webhook names the message passed through, oldest first. */
export const TRACE_PATH_KEY = 'servo-webhooks-path';
/** Metadata key: how many webhook responses led to this message. */
export const TRACE_HOPS_KEY = 'servo-webhooks-hops';
/** Most webhook hops a message may travel (response -> channel -> webhook counts one). */
export const MAX_HOPS = 8;

/** A message's trace. */
export interface Trace {
  readonly path: readonly string[];
  readonly hops: number;
}

/** The trace of a message that never went through a webhook. */
export const NO_TRACE: Trace = Object.freeze({ path: Object.freeze([]) as readonly string[], hops: 0 });

/** Reads the trace from a message's metadata (a missing or malformed one is empty). */
export function traceOf(message: Message): Trace {
  const rawPath = message.metadata[TRACE_PATH_KEY];
  const rawHops = message.metadata[TRACE_HOPS_KEY];
  if (rawPath === undefined && rawHops === undefined) return NO_TRACE;
  let path: string[] = [];
  try {
    const parsed = JSON.parse(rawPath ?? '[]') as unknown;
    if (Array.isArray(parsed)) path = parsed.filter((p): p is string => typeof p === 'string');
  } catch {
    // someone else's metadata: no path
  }
  const hops = Number.parseInt(rawHops ?? '', 10);
  return { path, hops: Number.isFinite(hops) && hops >= 0 ? Math.max(hops, path.length) : path.length };
}

/** Why `webhook` must not post a message with this trace, or undefined when it may. */
export function refusal(trace: Trace, webhook: string): string | undefined {
  if (trace.path.includes(webhook)) return `it already passed through webhook ${webhook} (path: ${[...trace.path, webhook].join(' -> ')})`;
  if (trace.hops >= MAX_HOPS) return `it has travelled ${trace.hops} hops, the most a message may (path: ${trace.path.join(' -> ')})`;
  return undefined;
}

/** Metadata of a response of `webhook` to a delivery that carried `trace`. */
export function nextTrace(trace: Trace, webhook: string): Record<string, string> {
  return { [TRACE_PATH_KEY]: JSON.stringify([...trace.path, webhook]), [TRACE_HOPS_KEY]: String(trace.hops + 1) };
}

/** Traces of deliveries in flight, by delivery id; bounded (oldest forgotten first). */
export class TraceBook {
  readonly #traces = new Map<string, Trace>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** Remembers the trace of a delivery (an empty one is not kept). */
  set(id: string, trace: Trace): void {
    if (trace.hops === 0 && trace.path.length === 0) return;
    this.#traces.set(id, trace);
    if (this.#traces.size > this.#max) this.#traces.delete(this.#traces.keys().next().value as string);
  }

  /** The trace of a delivery, forgotten once read. */
  take(id: string): Trace {
    const t = this.#traces.get(id);
    if (t === undefined) return NO_TRACE;
    this.#traces.delete(id);
    return t;
  }
}
