/**
 * Plays the servo's side against a fake optimizer with raw HTTP requests
 * (fetch), so the fake is tested on the wire, without servo-core's client.
 */
import type { FakeOptimizer } from '../../src/optimizer/fake/index.js';

/** One HTTP exchange: the status, the headers and the parsed answer. */
export interface Exchange {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs envelopes to `fake.endpoint` with a bearer token. */
export function driver(fake: Pick<FakeOptimizer, 'endpoint'>, token = 'test-token') {
  const post = async (event: string, param: unknown = null, opts: { token?: string | null; raw?: string } = {}): Promise<Exchange> => {
    const auth: Record<string, string> = opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? token}` };
    const res = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: opts.raw ?? JSON.stringify({ event, param, servo_uid: 'servo-1' }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  /** WHATS_NEXT, expecting a command; returns it. */
  const next = async () => {
    const r = await post('WHATS_NEXT');
    if (r.status !== 200) throw new Error(`WHATS_NEXT answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as { cmd: string; cmd_uid: string; param: Record<string, unknown> };
  };
  /** The payload an `ok` reply carries for each reply event. */
  const okPayload: Record<string, Record<string, unknown>> = {
    DESCRIPTION: { descriptor: { application: { components: {} }, measurement: { metrics: {} } } },
    MEASUREMENT: { metrics: { rps: { unit: 'rps', value: 1 } }, annotations: {} },
    ADJUSTMENT: { state: { application: { components: {} } } },
  };
  /** Posts a reply to a command with `status` (the payload of ok replies added). */
  const reply = (event: 'DESCRIPTION' | 'MEASUREMENT' | 'ADJUSTMENT', cmdUid: string, status = 'ok', extra: Record<string, unknown> = {}) =>
    post(event, {
      status,
      message: status === 'ok' ? null : `${status} by the test`,
      reason: status === 'ok' ? 'success' : null,
      cmd_uid: cmdUid,
      ...(status === 'ok' ? okPayload[event] : {}),
      ...extra,
    });
  return { post, next, reply };
}
