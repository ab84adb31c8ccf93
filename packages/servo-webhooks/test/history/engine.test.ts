/**
 * The engine's attempts in the delivery history, against a real receiver:
 * delivered, retried, dead, gone, a gate's; what each record shows (masked
 * custom headers beside the signatures as sent, the start of the answer);
 * endpoint health in snapshot(); redeliver from dead letters and from the
 * history, with the same id, and its coded errors. Memory and sqlite alike.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryEngine, type DeliveryEngineOptions } from '../../src/delivery/engine.js';
import { MemoryStore } from '../../src/delivery/memory-store.js';
import { SqliteStore } from '../../src/delivery/sqlite-store.js';
import type { DeliveryStore } from '../../src/delivery/types.js';
import { WebhookErrorCodes, isWebhookError } from '../../src/errors.js';
import { MemoryHistory } from '../../src/history/memory.js';
import { SqliteHistory } from '../../src/history/sqlite.js';
import type { DeliveryHistory, HistoryLimits } from '../../src/history/types.js';
import { bytes, endpoint, reply, useScratch, waitFor, type Receiver } from '../delivery/helpers.js';

const scratch = useScratch('servo-webhooks-history-');

/** Answers by path: /ok 204, /big a 10 KB body, /binary bytes that are not UTF-8, /retry 503 then 204, /bad 400, /gone 410, /deny 403, /flaky per `flaky`. */
let flaky = 400;
async function receiver() {
  const seen = new Map<string, number>();
  return scratch.server((req, res) => {
    const path = req.url ?? '';
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    if (path === '/big') return reply(res, 200, `{"ok":true,"pad":"${'x'.repeat(10_000)}"}`, { 'content-type': 'application/json', 'x-trace': 't-1' });
    if (path === '/binary') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]));
    }
    if (path === '/retry') return reply(res, n === 1 ? 503 : 204);
    if (path === '/bad') return reply(res, 400, 'no such thing');
    if (path === '/gone') return reply(res, 410);
    if (path === '/deny') return reply(res, 403, 'not now');
    if (path === '/cancel')
      return reply(res, 200, '{"reason":"change freeze"}', { 'content-type': 'application/vnd.opsani.servo.errors.CancelEventError+json' });
    if (path === '/flaky') return reply(res, flaky);
    return reply(res, 204);
  }, '/ok');
}

type Kind = 'memory' | 'sqlite';

/** The first `n` requests `r` got, once they arrived. */
async function arrived(r: Receiver, n: number) {
  await waitFor(() => r.requests.length >= n, 5000, `${n} requests`);
  return r.requests;
}

function parts(kind: Kind, limits: Partial<HistoryLimits> = {}, file = 'store.db'): { store: DeliveryStore; history: DeliveryHistory } {
  if (kind === 'memory') return { store: new MemoryStore(), history: new MemoryHistory(limits) };
  const store = new SqliteStore(join(scratch.dir, file));
  return { store, history: new SqliteHistory(store, limits) };
}

function engine(opts: Partial<DeliveryEngineOptions> & Pick<DeliveryEngineOptions, 'endpoints'>): DeliveryEngine {
  return scratch.keep(new DeliveryEngine({ userAgent: 'servo-webhooks-test/1', random: () => 0, retryFloorMs: 0, ...opts }));
}

const input = (webhook: string, body = '{"n":1}') => ({ webhook, event: 'after:measure', body: bytes(body), contentType: 'application/json' });

describe.each(['memory', 'sqlite'] as const)('history of the engine (%s store)', (kind) => {
  it('records delivered, retried, dead and gone attempts with their outcome', async () => {
    const r = await receiver();
    const url = (p: string) => r.url.replace('/ok', p);
    const { store, history } = parts(kind);
    const e = engine({
      endpoints: ['/ok', '/retry', '/bad', '/gone'].map((p) => endpoint(p.slice(1), url(p))),
      store,
      history,
    });
    const ids = ['ok', 'retry', 'bad', 'gone'].map((w) => e.enqueue(input(w)).id);
    await arrived(r, 5);
    await waitFor(() => history.list().length === 4 && history.list().every((s) => s.outcome !== 'retrying'), 5000, 'outcomes');
    const byId = (id: string) => history.get(id)!;
    expect(byId(ids[0]!)).toMatchObject({ webhook: 'ok', kind: 'queued', outcome: 'delivered', attempts: 1, status: 204 });
    expect(byId(ids[1]!)).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(byId(ids[1]!).attemptRecords.map((a) => [a.number, a.outcome, a.status])).toEqual([
      [1, 'retry', 503],
      [2, 'delivered', 204],
    ]);
    expect(byId(ids[2]!)).toMatchObject({ outcome: 'dead', attempts: 1, status: 400 });
    expect(byId(ids[2]!).attemptRecords[0]).toMatchObject({ error: expect.stringMatching(/^WEBHOOK_HTTP_STATUS: .*400/), responseExcerpt: 'no such thing' });
    expect(byId(ids[3]!)).toMatchObject({ outcome: 'gone', status: 410 });
    expect(history.list({ outcome: 'dead' }).map((s) => s.id)).toEqual([ids[2]]);
    expect(history.list({ webhook: 'retry' }).map((s) => s.id)).toEqual([ids[1]]);
    expect(Buffer.from(byId(ids[0]!).body!).toString()).toBe('{"n":1}');

    // Health as the page shows it.
    const snap = e.snapshot().endpoints;
    expect(snap.ok!.lastSuccessAt).toBeGreaterThan(0);
    expect(snap.ok!.lastFailure).toBeUndefined();
    expect(snap.retry).toMatchObject({ lastFailure: '503' });
    expect(snap.retry!.lastSuccessAt).toBeGreaterThanOrEqual(snap.retry!.lastFailureAt!);
    expect(snap.gone).toMatchObject({ disabled: true, lastFailure: '410' });
    expect(snap.gone!.disabledSince).toBeGreaterThan(0);
    e.enable('gone');
    expect(e.snapshot().endpoints.gone!.disabledSince).toBeUndefined();
    // stats() stays as it was.
    expect(Object.keys(e.stats().ok!).sort()).toEqual(['circuit', 'dead', 'delivered', 'disabled', 'dropped', 'failed', 'queueDepth', 'retried']);
  });

  it("shows the request as sent, the webhook's own header values masked, and the start of the answer", async () => {
    const r = await receiver();
    const url = (p: string) => r.url.replace('/ok', p);
    const { store, history } = parts(kind);
    const secretUrl = url('/big').replace('http://', 'http://user:pa55word@');
    const e = engine({
      endpoints: [endpoint('big', secretUrl, { headers: { 'X-Api-Key': 'key-do-not-show', 'x-team': 'perf' } }), endpoint('binary', url('/binary'))],
      store,
      history,
    });
    const big = e.enqueue(input('big')).id;
    const bin = e.enqueue(input('binary')).id;
    const got = await arrived(r, 2);
    await waitFor(() => history.list().length === 2, 5000, 'two records');
    const sent = got.find((q) => q.path === '/big')!;
    const a = history.get(big)!.attemptRecords[0]!;
    expect(a.requestHeaders['x-api-key']).toBe('********');
    expect(a.requestHeaders['x-team']).toBe('********');
    expect(a.requestHeaders.authorization).toBe('********');
    expect(JSON.stringify(history.get(big))).not.toMatch(/key-do-not-show|pa55word/);
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-servo-signature', 'content-type', 'user-agent']) {
      expect(a.requestHeaders[h], h).toBe(sent.header(h));
    }
    expect(sent.header('x-api-key')).toBe('key-do-not-show');
    expect(a.responseHeaders?.['x-trace']).toBe('t-1');
    expect(a.responseExcerpt).toHaveLength(4096);
    expect(a.responseExcerpt!.startsWith('{"ok":true,"pad":"xxx')).toBe(true);
    expect(a.responseTruncated).toBe(true);
    const b = history.get(bin)!.attemptRecords[0]!;
    expect(b.responseExcerpt).toContain('\uFFFD');
    expect(b.responseExcerpt).toContain('A');
    expect(b.responseTruncated).toBeUndefined();
  });

  it("records a gate's attempts as such: delivered, cancelled by a cancel answer, or failed when the answer is not a 2xx", async () => {
    const r = await receiver();
    const url = (p: string) => r.url.replace('/ok', p);
    const { store, history } = parts(kind);
    const e = engine({
      endpoints: [endpoint('ok', url('/ok')), endpoint('deny', url('/deny'), { retry: false }), endpoint('freeze', url('/cancel'))],
      store,
      history,
    });
    const seen: string[] = [];
    history.subscribe((s) => seen.push(`${s.webhook}:${s.kind}:${s.outcome}`));
    const allowed = await e.send({ ...input('ok'), id: 'msg_gate_ok' }, { deadlineMs: 5000 });
    const denied = await e.send({ ...input('deny'), id: 'msg_gate_deny' }, { deadlineMs: 5000 });
    const cancelled = await e.send({ ...input('freeze'), id: 'msg_gate_cancel' }, { deadlineMs: 5000 });
    expect(allowed.ok).toBe(true);
    expect(denied.ok).toBe(false);
    expect(cancelled.ok).toBe(true);
    expect(seen).toEqual(['ok:gate:delivered', 'deny:gate:failed', 'freeze:gate:cancelled']);
    expect(history.list({ outcome: 'cancelled' }).map((d) => d.id)).toEqual(['msg_gate_cancel']);
    expect(history.get('msg_gate_deny')).toMatchObject({ kind: 'gate', outcome: 'failed', status: 403 });
    expect(() => e.redeliver('msg_gate_ok')).toThrow(expect.objectContaining({ code: WebhookErrorCodes.redeliverGate }));
  });

  it('redelivers a dead letter with the same id: a new attempt reaching the receiver, on the same delivery', async () => {
    const r = await receiver();
    const { store, history } = parts(kind);
    flaky = 400;
    const e = engine({ endpoints: [endpoint('flaky', r.url.replace('/ok', '/flaky'))], store, history });
    const id = e.enqueue(input('flaky', '{"dead":"then alive"}')).id;
    await waitFor(() => history.get(id)?.outcome === 'dead' && e.deadLetters().length === 1, 5000, 'dead');
    flaky = 204;
    const again = e.redeliver(id);
    expect(again.id).toBe(id);
    const got = await arrived(r, 2);
    expect(got.map((q) => q.header('webhook-id'))).toEqual([id, id]);
    expect(got[1]!.body.toString()).toBe('{"dead":"then alive"}');
    await waitFor(() => history.get(id)?.outcome === 'delivered', 5000, 'delivered');
    expect(history.get(id)!.attemptRecords.map((a) => [a.number, a.status])).toEqual([
      [1, 400],
      [1, 204],
    ]);
    expect(history.list().map((s) => [s.id, s.attempts])).toEqual([[id, 2]]);
    expect(e.deadLetters()).toEqual([]);
  });

  it('redelivers a delivered message from the body the history keeps', async () => {
    const r = await receiver();
    const { store, history } = parts(kind);
    const e = engine({ endpoints: [endpoint('ok', r.url)], store, history });
    const id = e.enqueue(input('ok', '{"once":"more"}')).id;
    await waitFor(() => history.get(id)?.outcome === 'delivered', 5000, 'delivered');
    e.redeliver(id);
    const got = await arrived(r, 2);
    expect(got[1]!.header('webhook-id')).toBe(id);
    expect(got[1]!.header('x-servo-delivery')).toBe(id);
    expect(got[1]!.body.toString()).toBe('{"once":"more"}');
    await waitFor(() => history.get(id)?.attempts === 2, 5000, 'second attempt recorded');
  });

  it('says why it cannot redeliver, with stable codes', async () => {
    const r = await receiver();
    const { store, history } = parts(kind, { maxBytes: 2048 });
    const e = engine({
      endpoints: [endpoint('ok', r.url), endpoint('retry', r.url.replace('/ok', '/bad'), { retry: { maxTries: 5, maxTimeMs: 600_000 } })],
      store,
      history,
    });
    const codeOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        expect(isWebhookError(err)).toBe(true);
        return [(err as { code: string }).code, (err as Error).message];
      }
      return 'no error';
    };
    expect(codeOf(() => e.redeliver('msg_nobody'))).toEqual([WebhookErrorCodes.redeliverUnknown, expect.stringContaining('msg_nobody')]);
    // A body past max_bytes has left the history: the message says so and what to change.
    // Random text: the sqlite history keeps bodies deflated.
    const big = e.enqueue(input('ok', `{"pad":"${randomBytes(4000).toString('base64')}"}`)).id;
    await waitFor(() => history.get(big)?.outcome === 'delivered', 5000, 'delivered');
    expect(history.get(big)!.body).toBeUndefined();
    expect(codeOf(() => e.redeliver(big))).toEqual([WebhookErrorCodes.redeliverBodyGone, expect.stringMatching(/body has left .*raise history\.max_bytes/)]);
    // Still pending in this process.
    const held = e.enqueue({ ...input('retry'), id: 'msg_held' });
    expect(codeOf(() => e.redeliver(held.id))).toEqual([WebhookErrorCodes.redeliverPending, expect.stringContaining('still pending')]);
  });
});

describe('sqlite history', () => {
  it('survives a reopen of the file', async () => {
    const r = await receiver();
    const a = parts('sqlite');
    const e = new DeliveryEngine({ userAgent: 't', endpoints: [endpoint('ok', r.url)], store: a.store, history: a.history });
    const id = e.enqueue(input('ok')).id;
    await waitFor(() => a.history.get(id)?.outcome === 'delivered', 5000, 'delivered');
    await e.drain(1000);
    await e.close();
    const b = parts('sqlite');
    scratch.keep(b.store);
    expect(b.history.list().map((s) => [s.id, s.outcome, s.attempts])).toEqual([[id, 'delivered', 1]]);
    expect(b.history.get(id)!.attemptRecords[0]!.requestHeaders['webhook-id']).toBe(id);
  });

  it('two stores on one file: each lists both processes, each hears only its own', async () => {
    const r = await receiver();
    const a = parts('sqlite');
    const b = parts('sqlite');
    const ea = engine({ endpoints: [endpoint('ok', r.url)], store: a.store, history: a.history });
    const eb = engine({ endpoints: [endpoint('ok', r.url)], store: b.store, history: b.history });
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.history.subscribe((s) => heardA.push(s.id));
    b.history.subscribe((s) => heardB.push(s.id));
    const ia = ea.enqueue(input('ok')).id;
    const ib = eb.enqueue(input('ok')).id;
    await waitFor(() => heardA.length === 1 && heardB.length === 1, 5000, 'both attempts');
    expect(heardA).toEqual([ia]);
    expect(heardB).toEqual([ib]);
    // What the other process recorded is there once it committed (one batch per event-loop turn).
    await waitFor(() => a.history.list().length === 2 && b.history.list().length === 2, 5000, 'both listed by both');
    expect(a.history.get(ib)).toMatchObject({ outcome: 'delivered' });
  });
});
