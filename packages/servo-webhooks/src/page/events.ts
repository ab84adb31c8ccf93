/**
 * The deliveries page's live feed: a Server-Sent Events stream of the
 * attempts this process records, one `attempt` event each, as JSON. Open
 * streams never hold up shutdown: each ends when the endpoint closes or the
 * client goes, and lets go of its history subscription then.
 * @module
 */
import type { AttemptRecord, DeliveryHistory, DeliverySummary } from '../history/types.js';

/** Keepalive comments keep proxies and the browser from timing out an idle stream. */
export const KEEPALIVE_MS = 15_000;

/** How long a browser waits before reconnecting a stream that ended. */
const RETRY_MS = 3_000;

/**
 * Events a stream may hold for a reader that does not keep up; past it the
 * stream ends (the browser reconnects, the page lists what it missed), so a
 * stalled tab never holds a growing queue while deliveries flood in.
 */
export const MAX_BEHIND = 2_000;

/** The data of one `attempt` event: the delivery as the list shows it, and the attempt that changed it. */
export interface AttemptMessage {
  readonly delivery: DeliverySummary;
  readonly attempt: Pick<AttemptRecord, 'number' | 'startedAt' | 'durationMs' | 'outcome' | 'status'>;
}

/** One event of the stream, as sent (JSON.stringify escapes line breaks: the data is one line). */
export function attemptEvent(summary: DeliverySummary, attempt: AttemptRecord): string {
  const { number, startedAt, durationMs, outcome, status } = attempt;
  const message: AttemptMessage = { delivery: summary, attempt: { number, startedAt, durationMs, outcome, ...(status !== undefined ? { status } : {}) } };
  return `event: attempt\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * The stream: attempts of `history` until one of `signals` aborts, the
 * reader cancels, or falls {@link MAX_BEHIND} events behind. Without a history yet (the servo is starting) it says so
 * and ends, and the browser comes back after {@link RETRY_MS}.
 */
export function eventStream(history: DeliveryHistory | undefined, signals: readonly AbortSignal[], keepaliveMs = KEEPALIVE_MS): Response {
  const encoder = new TextEncoder();
  let end = (): void => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let ended = false;
      let unsubscribe = (): void => {};
      let timer: ReturnType<typeof setInterval> | undefined;
      end = () => {
        if (ended) return;
        ended = true;
        if (timer) clearInterval(timer);
        unsubscribe();
        for (const s of signals) s.removeEventListener('abort', end);
        try {
          controller.close();
        } catch {
          // already closed by a cancel
        }
      };
      const send = (text: string): void => {
        if (ended) return;
        if ((controller.desiredSize ?? 0) < -MAX_BEHIND) {
          end();
          return;
        }
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          end();
        }
      };
      send(`retry: ${RETRY_MS}\n\n`);
      if (signals.some((s) => s.aborted)) return end();
      if (!history) {
        send(': starting\n\n');
        return end();
      }
      for (const s of signals) s.addEventListener('abort', end, { once: true });
      unsubscribe = history.subscribe((summary, attempt) => send(attemptEvent(summary, attempt)));
      timer = setInterval(() => send(': keepalive\n\n'), keepaliveMs);
      timer.unref?.();
      send(': live\n\n');
    },
    cancel() {
      end();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
}
