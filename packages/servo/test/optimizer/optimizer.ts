/**
 * A minimal scripted optimizer for the client tests, on the shared receiver
 * (127.0.0.1, port 0): WHATS_NEXT takes the next planned answer (then SLEEP),
 * progress reports get `progress()`'s answer, everything else `{"status":"ok"}`;
 * `intercept` may answer any request first (503, 401, 400...).
 */
import { type Answer, type RecordedRequest, type Receiver, startReceiver } from '../../../../test-support/index.js';

/** A received envelope, read loosely in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: envelopes are read loosely in assertions, as with JSON.parse
type Loose = any;

const json = (body: unknown, status = 200): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A scripted optimizer. */
export interface TestOptimizer {
  readonly receiver: Receiver;
  /** `${origin}/` : pass as --url / optimizer.url. */
  readonly url: string;
  /** The envelopes received, in order. */
  envelopes(): Loose[];
  /** Replies (DESCRIPTION/MEASUREMENT/ADJUSTMENT carrying a status). */
  replies(): Loose[];
  /** Resolves when `count` requests match `filter`. */
  waitFor(filter: (e: Loose) => boolean, count?: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  intercept: ((req: RecordedRequest, envelope: Loose) => Answer | undefined) | undefined;
  progress: (envelope: Loose) => unknown;
  close(): Promise<void>;
}

/** Starts an optimizer that answers WHATS_NEXT with `plan`, then SLEEP `sleepSeconds`. */
export async function startOptimizer(plan: unknown[], sleepSeconds = 60): Promise<TestOptimizer> {
  const queue = [...plan];
  const t: TestOptimizer = {
    receiver: undefined as unknown as Receiver,
    url: '',
    envelopes: () => t.receiver.requests.map((r) => r.json()),
    replies: () => t.envelopes().filter((e) => e.param && typeof e.param === 'object' && 'status' in e.param),
    waitFor: (filter, count = 1, timeoutMs = 10_000) => t.receiver.waitFor(count, { timeoutMs, filter: (r) => filter(r.json()) }),
    intercept: undefined,
    progress: () => ({ status: 'ok' }),
    close: () => t.receiver.close(),
  };
  (t as { receiver: Receiver }).receiver = await startReceiver((req) => {
    const e = req.json();
    const forced = t.intercept?.(req, e);
    if (forced) return forced;
    if (e.event === 'WHATS_NEXT') return json(queue.length ? queue.shift() : { cmd: 'SLEEP', param: { duration: sleepSeconds } });
    if (e.param && typeof e.param === 'object' && 'progress' in e.param) return json(t.progress(e));
    return json({ status: 'ok' });
  });
  (t as { url: string }).url = `${t.receiver.origin}/api/`;
  return t;
}
