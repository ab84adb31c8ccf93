/**
 * The deliveries page over HTTP, through its fetch handler: a real engine
 * with a memory history sends to a receiver on 127.0.0.1 whose answers carry
 * markup; the page lists and shows them escaped, masks credentials and custom
 * header values, filters, redelivers and enables with a result shown after a
 * 303, and streams new attempts as Server-Sent Events that end when the
 * endpoint closes or the client goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, startReceiver, waitFor, type Receiver } from '../../../../test-support/index.js';
import { DeliveryEngine } from '../../src/delivery/engine.js';
import { MemoryHistory } from '../../src/history/memory.js';
import type { DeliveryHistory } from '../../src/history/types.js';
import { MAX_BEHIND } from '../../src/page/events.js';
import { deliveriesPage, pagePath, type PageWebhook } from '../../src/page/index.js';

const XSS = '<script>alert(1)</script>';
const PASSWORD = 'url-password-never-shown';
const CUSTOM = 'custom-header-value-never-shown';
const BASE = '/webhooks';

let r: Receiver;
let engine: DeliveryEngine;
let history: MemoryHistory;
let endpoint: AbortController;
let webhooks: PageWebhook[];
let page: ReturnType<typeof deliveriesPage>;
/** The `sunset` receiver answers 410 Gone until it is back. */
let sunsetGone = true;

/** A GET or POST to the page, as the core hands it over. */
function call(path: string, init: RequestInit = {}, signal = endpoint.signal): Promise<Response> {
  return Promise.resolve(page.fetch(new Request(`http://127.0.0.1:9464${BASE}${path}`, init), { base: BASE, csrfToken: 'csrf-token-1', signal }));
}

async function get(path: string): Promise<string> {
  const res = await call(path);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  return res.text();
}

/** POSTs a form, checks the 303, and returns the page it leads to. */
async function post(path: string): Promise<{ location: string; html: string }> {
  const res = await call(path, { method: 'POST', body: new URLSearchParams({ _csrf: 'csrf-token-1' }) });
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  expect(location.startsWith(BASE)).toBe(true);
  return { location, html: await get(location.slice(BASE.length)) };
}

/** Queues one delivery and waits until the history shows `outcome` for it. */
async function deliver(webhook: string, body: unknown, outcome: string): Promise<string> {
  const d = engine.enqueue({ webhook, event: 'after:measure', body: new TextEncoder().encode(JSON.stringify(body)), contentType: 'application/json' });
  await waitFor(() => history.get(d.id)?.outcome === outcome, 5000, `${webhook} ${outcome}`);
  return d.id;
}

beforeAll(async () => {
  r = await startReceiver((req): Answer => {
    if (req.path.startsWith('/evil')) return { status: 400, headers: { 'x-note': XSS, 'content-type': 'text/html' }, body: XSS };
    if (req.path.startsWith('/gone')) return sunsetGone ? { status: 410, body: 'gone' } : { status: 204 };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  });
  const url = (path: string) => r.url(path).replace('http://', `http://alice:${PASSWORD}@`);
  const endpoints: { name: string; url: string; headers: Record<string, string> }[] = [
    { name: 'audit', url: url('/ok?token=query-secret'), headers: { 'x-api-key': CUSTOM } },
    { name: 'evil', url: r.url('/evil'), headers: {} },
    { name: 'sunset', url: r.url('/gone'), headers: {} },
  ];
  webhooks = endpoints.map((e) => ({ name: e.name, url: e.url, events: [{ preposition: 'after', event: 'measure' }], channels: [] }));
  history = new MemoryHistory();
  engine = new DeliveryEngine({
    endpoints: endpoints.map((e) => ({ ...e, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', retry: false, timeoutMs: 5000 })),
    userAgent: 'servo-webhooks-test',
    history,
  });
  engine.start();
  endpoint = new AbortController();
  page = deliveriesPage({ webhooks, engine: () => engine, history: () => history, keepaliveMs: 100 });
});

afterAll(async () => {
  endpoint.abort();
  await engine?.close();
  await r?.close();
});

describe('the deliveries page', () => {
  it('lists the webhooks with masked URLs and the deliveries with their outcomes', async () => {
    const ok = await deliver('audit', { n: 1 }, 'delivered');
    const dead = await deliver('evil', { n: 2 }, 'dead');
    const html = await get('/');
    for (const name of ['audit', 'evil', 'sunset']) expect(html).toContain(`<td class="name">${name}</td>`);
    expect(html).not.toContain(PASSWORD);
    expect(html).not.toContain('query-secret');
    expect(html).toContain('http://***@127.0.0.1');
    expect(html).toMatch(new RegExp(`data-id="${ok}" data-outcome="delivered"`));
    expect(html).toMatch(new RegExp(`data-id="${dead}" data-outcome="dead"`));
    expect(html).toContain(`href="${BASE}/deliveries/${dead}"`);
    expect(html).toMatch(/<tr data-webhook="evil">[\s\S]*?<div class="why">HTTP 400<\/div>/); // last failure and why
    expect(html).toContain(`src="${BASE}/assets/deliveries.js"`);
    // No inline script or style: the core's policy would block them.
    expect(html).not.toMatch(/<script>|<style|style=/);
  });

  it("escapes a receiver's answer and headers, and masks the webhook's own header values", async () => {
    const ok = await deliver('audit', { note: XSS }, 'delivered');
    const evil = await deliver('evil', { n: 3 }, 'dead');
    const shown = await get(`/deliveries/${evil}`);
    expect(shown).not.toContain(XSS);
    expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown).toContain('<th>x-note</th><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(shown).toContain('<span class="status-code">400</span>');
    const request = await get(`/deliveries/${ok}`);
    expect(request).not.toContain(XSS);
    expect(request).toContain('&quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;'); // pretty-printed JSON, escaped
    expect(request).not.toContain(CUSTOM);
    expect(request).toMatch(/<th>x-api-key<\/th><td>\*+<\/td>/);
    expect(request).toMatch(/<th>webhook-signature<\/th><td>v1,/);
    expect(request).toContain(`<th>webhook-id</th><td>${ok}</td>`);
    expect(request).toContain('{\n  &quot;ok&quot;: true\n}'); // a JSON answer, indented
  });

  it('filters by webhook, event and outcome', async () => {
    await deliver('audit', { n: 4 }, 'delivered');
    await deliver('evil', { n: 5 }, 'dead');
    const dead = await get('/?outcome=dead');
    expect(dead).toContain('data-outcome="dead"');
    expect(dead).not.toContain('data-outcome="delivered"');
    expect(dead).toContain('<option value="dead" selected>dead</option>');
    const audit = await get('/?webhook=audit&event=after%3Ameasure');
    expect(audit).toContain('<td>audit</td>');
    expect(audit).not.toContain('<td>evil</td>');
    expect(audit).toContain('<option value="after:measure" selected>after:measure</option>');
    const none = await get('/?webhook=evil&outcome=delivered');
    expect(none).toContain('No deliveries match these filters.');
  });

  it('redelivers a dead or delivered delivery with the same id and shows the result', async () => {
    const id = await deliver('audit', { n: 6 }, 'delivered');
    const detail = await get(`/deliveries/${id}`);
    expect(detail).toContain(`action="${BASE}/deliveries/${id}/redeliver"`);
    expect(detail).toContain('<input type="hidden" name="_csrf" value="csrf-token-1">');
    const before = r.requests.length;
    const { location, html } = await post(`/deliveries/${id}/redeliver`);
    expect(location).toMatch(new RegExp(`^${BASE}/deliveries/${id}\\?result=`));
    // The page waited for the new attempt's answer.
    expect(html).toMatch(new RegExp(`Redelivered ${id} to webhook &quot;audit&quot;: delivered \\(200\\) in \\d+ ms`));
    const [again] = (await r.waitFor(before + 1)).slice(before);
    expect(again!.header('webhook-id')).toBe(id);
    await waitFor(() => history.get(id)?.attempts === 2, 5000, 'second attempt recorded');
    // The notice is shown once.
    expect(await get(location.slice(BASE.length))).not.toContain('Redelivered');
  });

  it("shows a redeliver's coded error as its plain message", async () => {
    const { html } = await post('/deliveries/msg_unknown_1/redeliver');
    expect(html).toContain('class="notice error"');
    expect(html).toContain('Redeliver failed: delivery msg_unknown_1 is neither a dead letter nor in the delivery history');
    const missing = await call('/deliveries/msg_unknown_1');
    expect(missing.status).toBe(404);
  });

  it('says so instead of Redeliver when the body has left the history', async () => {
    const small = new MemoryHistory({ maxBytes: 1 });
    const narrow = deliveriesPage({ webhooks, engine: () => engine, history: () => small });
    const id = 'msg_body_left_1';
    small.record({
      id,
      webhook: 'audit',
      event: 'after:measure',
      kind: 'queued',
      contentType: 'application/json',
      body: new TextEncoder().encode('{"big":"body"}'),
      createdAt: Date.now(),
      attempt: { number: 1, startedAt: Date.now(), durationMs: 3, outcome: 'delivered', status: 204, requestHeaders: {} },
      outcome: 'delivered',
    });
    const res = await narrow.fetch(new Request(`http://127.0.0.1${BASE}/deliveries/${id}`), { base: BASE, csrfToken: 't', signal: endpoint.signal });
    const html = await res.text();
    expect(html).toContain('The body has left the history');
    expect(html).not.toContain('/redeliver"');
  });

  it('enables a webhook a 410 disabled, and shows the result', async () => {
    await deliver('sunset', { n: 7 }, 'gone');
    await waitFor(() => engine.snapshot().endpoints.sunset!.disabled, 5000, 'sunset disabled');
    const listed = await get('/');
    expect(listed).toContain(`action="${BASE}/webhooks/sunset/enable"`);
    expect(listed).toContain('<span class="badge disabled">disabled</span>');
    sunsetGone = false;
    const { location, html } = await post('/webhooks/sunset/enable');
    expect(location).toMatch(new RegExp(`^${BASE}/\\?result=`));
    expect(html).toContain('Webhook &quot;sunset&quot; enabled: its held deliveries are sent again');
    expect(engine.snapshot().endpoints.sunset!.disabled).toBe(false);
    expect(html).not.toContain(`action="${BASE}/webhooks/sunset/enable"`);
    const unknown = await post('/webhooks/nope/enable');
    expect(unknown.html).toContain('class="notice error"');
    expect(unknown.html).toContain('Enable failed:');
  });

  it('says when the servo is starting, and when the history is off', async () => {
    const at = (p: ReturnType<typeof deliveriesPage>) =>
      Promise.resolve(p.fetch(new Request(`http://127.0.0.1${BASE}/`), { base: BASE, csrfToken: 't', signal: endpoint.signal })).then((res) => res.text());
    const starting = await at(deliveriesPage({ webhooks, engine: () => undefined, history: () => undefined }));
    expect(starting).toContain('The servo is starting: no history yet.');
    expect(starting).toContain('<span class="none">not started</span>');
    const off = await at(deliveriesPage({ webhooks, engine: () => engine, history: () => undefined }));
    expect(off).toContain('The delivery history is off (history: false in the webhooks section).');
    expect(off).toContain('circuit closed');
  });

  it("takes its path from the connector instance's name, one path segment", () => {
    expect(deliveriesPage({ webhooks, engine: () => engine, history: () => history })).toMatchObject({ path: '/webhooks', title: 'Webhook deliveries' });
    expect(deliveriesPage({ name: 'hooks/prod', webhooks, engine: () => engine, history: () => history })).toMatchObject({
      path: '/hooks-prod',
      title: 'Webhook deliveries: hooks/prod',
    });
    expect(pagePath('_private.hooks')).toBe('/private.hooks');
  });

  it('serves its script and stylesheet from its own paths', async () => {
    const js = await call('/assets/deliveries.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('new EventSource(`${base}/events`)');
    const css = await call('/assets/deliveries.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await call('/assets/other.js')).status).toBe(404);
  });
});

/** Reads a stream's text until `until` matches; returns all read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp, seen = ''): Promise<string> {
  const decoder = new TextDecoder();
  let text = seen;
  while (!until.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${until}: ${text}`);
    text += decoder.decode(value);
  }
  return text;
}

describe('the live feed', () => {
  it('streams each new attempt as an `attempt` event with the delivery as JSON, and keepalive comments', async () => {
    const res = await call('/events');
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    await readUntil(reader, /: live\n\n/);
    const id = await deliver('evil', { n: 8 }, 'dead');
    const text = await readUntil(reader, new RegExp(`event: attempt\\ndata: .*${id}.*\\n\\n`));
    const data = text.split('\n').find((l) => l.startsWith('data: ') && l.includes(id))!;
    const message = JSON.parse(data.slice('data: '.length));
    expect(message.delivery).toMatchObject({ id, webhook: 'evil', event: 'after:measure', outcome: 'dead', attempts: 1, status: 400 });
    expect(message.attempt).toMatchObject({ number: 1, status: 400, outcome: 'failed' });
    await readUntil(reader, /: keepalive\n\n/, '');
    await reader.cancel();
  });

  it('ends when the endpoint closes, and when the client goes, letting go of its subscription', async () => {
    let subscribed = 0;
    const listeners = new Set<Parameters<DeliveryHistory['subscribe']>[0]>();
    const counted: DeliveryHistory = {
      persistent: false,
      record: (e) => history.record(e),
      list: (q) => history.list(q),
      get: (id) => history.get(id),
      close: () => {},
      subscribe(listener) {
        subscribed++;
        listeners.add(listener);
        const unsubscribe = history.subscribe(listener);
        return () => {
          subscribed--;
          listeners.delete(listener);
          unsubscribe();
        };
      },
    };
    const live = deliveriesPage({ webhooks, engine: () => engine, history: () => counted });
    const open = async (signal: AbortSignal, client?: AbortSignal) => {
      const res = await live.fetch(new Request(`http://127.0.0.1${BASE}/events`, client ? { signal: client } : {}), { base: BASE, csrfToken: 't', signal });
      const reader = res.body!.getReader();
      await readUntil(reader, /: live\n\n/);
      return reader;
    };
    const drained = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
      for (;;) if ((await reader.read()).done) return;
    };

    const closing = new AbortController();
    const first = await open(closing.signal);
    expect(subscribed).toBe(1);
    closing.abort();
    await drained(first);
    expect(subscribed).toBe(0);

    const client = new AbortController();
    const second = await open(endpoint.signal, client.signal);
    expect(subscribed).toBe(1);
    client.abort();
    await drained(second);
    expect(subscribed).toBe(0);

    const third = await open(endpoint.signal);
    await third.cancel();
    expect(subscribed).toBe(0);

    // A reader that stops reading: past MAX_BEHIND queued events the stream ends and lets go.
    const stalled = await open(endpoint.signal);
    expect(subscribed).toBe(1);
    const [any] = history.list({ limit: 1 });
    const attempt = history.get(any!.id)!.attemptRecords[0]!;
    for (let i = 0; i < MAX_BEHIND + 10 && subscribed > 0; i++) for (const l of listeners) l(any!, attempt);
    expect(subscribed).toBe(0);
    await drained(stalled);
  });
});
