/**
 * The answer that cancels the event a before-webhook gates: 2xx with the
 * CancelEventError content type and a JSON `reason`, as the sender's gate
 * (src/gate) reads it.
 * @module
 */

/** The content type of a cancel answer. */
export const CANCEL_CONTENT_TYPE = 'application/vnd.opsani.servo.errors.CancelEventError+json';

/** An HTTP answer as plain data, for any server API. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The cancel answer as plain data: `res.writeHead(a.status, a.headers).end(a.body)`. */
export function cancel(reason: string): Answer {
  if (typeof reason !== 'string' || reason.length === 0) throw new TypeError('cancel(reason): reason must be a non-empty string (the user sees it)');
  return { status: 200, headers: { 'content-type': CANCEL_CONTENT_TYPE }, body: JSON.stringify({ reason }) };
}

/** The cancel answer as a Fetch `Response`, for Fetch-API handlers (Hono, Workers, Deno, Bun). */
export function cancelResponse(reason: string): Response {
  const answer = cancel(reason);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
