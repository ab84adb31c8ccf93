/**
 * The deliveries page in a real browser (the OS's Chromium through
 * playwright-core): a servo built in code serves its HTTP endpoint on
 * 127.0.0.1 and sends real traffic to a loopback receiver: a delivered and
 * a dead delivery, a webhook a 410 disables, a before-webhook that cancels
 * with markup in its reason, an answer that is markup. The page lists them,
 * opens one, redelivers, enables, shows a new delivery live, and renders
 * every receiver's text inert (a dialog fails the test). Behind a token, a
 * person signs in and the forms and the live feed work with the session.
 *
 * `SERVO_SCREENSHOT=1` also writes docs/deliveries-page.png (the README's
 * screenshot), so ordinary runs leave it as committed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { serveServo, type ServedServo } from 'servo-core/observe';
import type { Servo } from 'servo-core';
import { launchBrowser, skipWithoutBrowser, type LaunchedBrowser } from '../../../../test-support/browser.js';
import { type Answer, type Receiver, sleep, startReceiver, WORKSPACE } from '../../../../test-support/index.js';
import { webhooksServo } from '../helpers/servo.js';

const XSS = '<script>alert(1)</script>';
const REASON = 'change freeze <img src=x onerror=alert(2)><b>until Monday</b>';
const CANCEL = 'application/vnd.opsani.servo.errors.CancelEventError+json';
const PASSWORD = 'url-password-never-shown';
const CUSTOM = 'custom-header-value-never-shown';

let r: Receiver;
let servo: Servo;
let served: ServedServo;
let browser: LaunchedBrowser;
let page: Page;
let base: string;
/** The `sunset` receiver answers 410 Gone until it is back. */
let sunsetGone = true;
const dialogs: string[] = [];
const pageErrors: string[] = [];

/** Requests the receiver got on `path`. */
const at = (path: string) => r.requests.filter((q) => q.path.startsWith(path));

/** Reloads the list until `selector` matches (deliveries happen in the background). */
async function listUntil(selector: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(`${base}/`);
    if ((await page.locator(selector).count()) > 0) return;
    if (Date.now() > end) throw new Error(`the list never showed ${selector}`);
    await sleep(100);
  }
}

describe.skipIf(skipWithoutBrowser())('the deliveries page in Chromium', () => {
  beforeAll(async () => {
    r = await startReceiver((req): Answer => {
      if (req.path.startsWith('/evil')) return { status: 400, headers: { 'content-type': 'text/html', 'x-note': XSS }, body: XSS };
      if (req.path.startsWith('/gone')) return sunsetGone ? { status: 410, body: 'gone for good' } : { status: 204 };
      if (req.path.startsWith('/gate')) return { status: 200, headers: { 'content-type': CANCEL }, body: JSON.stringify({ reason: REASON }) };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"received":true}' };
    });
    ({ servo } = await webhooksServo([
      {
        name: 'audit',
        events: 'after:measure',
        url: r.url('/ok').replace('http://', `http://alice:${PASSWORD}@`),
        secret: 'audit-secret-1',
        headers: { 'x-api-key': CUSTOM },
      },
      { name: 'broken', events: 'after:measure', url: r.url('/evil'), secret: 'broken-secret-1', backoff: false },
      { name: 'sunset', events: 'after:measure', url: r.url('/gone'), secret: 'sunset-secret-1', backoff: false },
      { name: 'freeze', events: 'before:adjust', url: r.url('/gate'), secret: 'freeze-secret-1' },
    ]));
    // servo-core is its sources in tests (vitest.config.ts), servo-core/observe its build: one Servo, typed twice.
    served = await serveServo(servo as unknown as Parameters<typeof serveServo>[0], { listen: '127.0.0.1:0' });
    await servo.start();
    base = `${served.url}/webhooks`;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A Content-Security-Policy violation (an inline script or style) is a console error.
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    // Real traffic: delivered, dead (400 with markup), disabled by a 410, and a gate that cancels with markup.
    await servo.dispatch('measure', {});
    await r.waitFor(3);
    const adjusted = await servo.dispatch('adjust', { adjustments: [{ component_name: 'web', setting_name: 'cpu', value: 1.5 }] });
    expect(adjusted).toMatchObject({ status: 'cancelled', reason: REASON });
  });

  afterEach(() => {
    // Nothing a receiver sent may run as script in the page (each test is judged on its own).
    const seen = { dialogs: dialogs.splice(0), errors: pageErrors.splice(0) };
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await servo?.close();
    await r?.close();
  });

  it('lists a delivered and a dead delivery from real traffic, with the webhooks and their health', async () => {
    await listUntil('tr[data-outcome="dead"]');
    await listUntil('tr[data-outcome="delivered"]');
    const delivered = page.locator('tbody#deliveries tr[data-outcome="delivered"]', { hasText: 'audit' });
    expect(await delivered.locator('td').nth(1).textContent()).toBe('after:measure');
    const dead = page.locator('tbody#deliveries tr[data-outcome="dead"]', { hasText: 'broken' });
    expect(await dead.locator('.status-code').textContent()).toBe('400');
    const audit = page.locator('table.webhooks tr[data-webhook="audit"]');
    expect(await audit.locator('.url').textContent()).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ok$/);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(CUSTOM);
    expect(await page.locator('table.webhooks tr[data-webhook="sunset"] .badge').textContent()).toBe('disabled');
    if (process.env.SERVO_SCREENSHOT) {
      // The README's picture: a delivered, a dead and a gone delivery, a gate's, a webhook waiting for Enable.
      await page.locator('#live.live').waitFor({ timeout: 10_000 });
      await page.screenshot({ path: `${WORKSPACE}/docs/deliveries-page.png` });
    }
  });

  it("opens a delivery: its body and the receiver's answer, as text", async () => {
    await page.goto(`${base}/`);
    const dead = page.locator('tbody#deliveries tr[data-outcome="dead"]', { hasText: 'broken' }).first();
    await dead.locator('a').click();
    await page.waitForURL(/\/deliveries\/msg_/);
    const body = (await page.locator('pre.request').textContent()) ?? '';
    expect(JSON.parse(body)).toMatchObject({ event: 'after:measure' });
    expect(await page.locator('pre.response').textContent()).toBe(XSS);
    // The newest attempt's request headers are open: the signature as sent, the webhook's own header masked.
    expect(await page.locator('.headers th', { hasText: 'webhook-signature' }).first().isVisible()).toBe(true);
    // Only the page's own script element exists: the answer's markup is text.
    expect(await page.locator('script').count()).toBe(1);
  });

  it('Redeliver makes a new attempt that reaches the receiver with the same id', async () => {
    await page.goto(`${base}/?webhook=audit&outcome=delivered`);
    const link = page.locator('tbody#deliveries tr a').first();
    const id = (await link.textContent())!;
    await link.click();
    await page.waitForURL(new RegExp(`/deliveries/${id}$`));
    const before = at('/ok').length;
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.waitForURL(/\?result=/);
    expect(await page.locator('.notice.ok').textContent()).toContain(`Redelivered ${id} to webhook "audit": delivered (`);
    await r.waitFor(before + 1, { filter: (q) => q.path.startsWith('/ok'), timeoutMs: 10_000 });
    const again = at('/ok').slice(before);
    expect(again.map((q) => q.header('webhook-id'))).toContain(id);
    // The delivery's page shows the new attempt beside the first.
    const end = Date.now() + 10_000;
    for (;;) {
      await page.goto(`${base}/deliveries/${id}`);
      if ((await page.locator('section.attempt').count()) === 2 || Date.now() > end) break;
      await sleep(50);
    }
    expect(await page.locator('section.attempt[data-number="2"] .status-code').first().textContent()).toBe('200');
  });

  it('Enable re-enables a webhook a 410 disabled; its held delivery is sent again', async () => {
    await page.goto(`${base}/`);
    const row = page.locator('table.webhooks tr[data-webhook="sunset"]');
    sunsetGone = false;
    const before = at('/gone').length;
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.waitForURL(/\?result=/);
    expect(await page.locator('.notice.ok').textContent()).toBe('Webhook "sunset" enabled: its held deliveries are sent again');
    expect(await row.getByRole('button', { name: 'Enable' }).count()).toBe(0);
    expect(await row.locator('.badge').textContent()).toBe('circuit closed');
    const end = Date.now() + 10_000;
    while (at('/gone').length === before && Date.now() < end) await sleep(20);
    expect(at('/gone').length).toBeGreaterThan(before);
  });

  it('shows a new delivery live, without a reload', async () => {
    await page.goto(`${base}/?webhook=audit`);
    await page.locator('#live.live').waitFor({ timeout: 10_000 });
    expect(await page.locator('#live').textContent()).toBe('live');
    await page.evaluate(() => Object.assign(window, { samePage: true }));
    const before = at('/ok').length;
    await servo.dispatch('measure', {});
    const end = Date.now() + 10_000;
    while (at('/ok').length === before && Date.now() < end) await sleep(20);
    const id = at('/ok')[before]!.header('webhook-id')!;
    const row = page.locator(`tbody#deliveries tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td').nth(2).textContent()).toBe('audit');
    expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
    // The filter holds: the other webhooks' deliveries of that event did not come in.
    expect(await page.locator('tbody#deliveries tr', { hasText: 'broken' }).count()).toBe(0);
  });

  it("renders a before-webhook's cancel reason with markup inert", async () => {
    await page.goto(`${base}/?webhook=freeze`);
    await page.locator('tbody#deliveries tr a').first().click();
    await page.waitForURL(/\/deliveries\/msg_/);
    expect(await page.locator('pre.response').textContent()).toContain(REASON);
    expect(await page.locator('p.cancelled q').textContent()).toBe(REASON);
    expect(await page.locator('main img, main b').count()).toBe(0);
    await page.goto(`${base}/`);
    const why = page.locator('table.webhooks tr[data-webhook="freeze"]');
    expect(await why.textContent()).not.toContain('undefined');
    expect(await page.locator('main img').count()).toBe(0);
  });

  it('says "reconnecting" when the endpoint goes, whose close an open stream does not hold up', async () => {
    await page.goto(`${base}/`);
    await page.locator('#live.live').waitFor({ timeout: 10_000 });
    const t0 = performance.now();
    await served.close();
    expect(performance.now() - t0).toBeLessThan(2000);
    await page.locator('#live.reconnecting').waitFor({ timeout: 10_000 });
    expect(await page.locator('#live').textContent()).toBe('reconnecting');
    // The stream cut by the close is the browser's network error, not the page's.
    const cut = pageErrors.splice(0);
    expect(cut.filter((e) => !/net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED)/.test(e))).toEqual([]);
  });
});

describe.skipIf(skipWithoutBrowser())('the deliveries page behind a token, in Chromium', () => {
  const TOKEN = 'page-token-never-shown-0123';
  let rx: Receiver;
  let tokenServo: Servo;
  let tokenServed: ServedServo;
  let chromium: LaunchedBrowser;

  beforeAll(async () => {
    rx = await startReceiver(() => ({ status: 204 }));
    ({ servo: tokenServo } = await webhooksServo([{ name: 'audit', events: 'after:measure', url: rx.url('/ok'), secret: 'audit-secret-2' }]));
    tokenServed = await serveServo(tokenServo as unknown as Parameters<typeof serveServo>[0], { listen: '127.0.0.1:0', token: TOKEN });
    await tokenServo.start();
    chromium = await launchBrowser();
    await tokenServo.dispatch('measure', {});
    await rx.waitFor(1);
  });

  afterAll(async () => {
    await chromium?.close();
    await tokenServed?.close();
    await tokenServo?.close();
    await rx?.close();
  });

  it('signs in, then redelivers with the session and shows new deliveries live', async () => {
    const tab = await chromium.context.newPage();
    const problems: string[] = [];
    tab.on('dialog', (d) => problems.push(d.message()));
    tab.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} ${m.location().url}`);
    });
    await tab.goto(`${tokenServed.url}/webhooks/`);
    expect(new URL(tab.url()).pathname).toBe('/signin');
    await tab.locator('input[name="token"]').fill(TOKEN);
    await tab.locator('input[name="token"]').press('Enter');
    await tab.waitForURL(`${tokenServed.url}/webhooks/`);
    await tab.locator('#live.live').waitFor({ timeout: 10_000 });
    const id = rx.requests[0]!.header('webhook-id')!;
    await tab.locator(`tr[data-id="${id}"] a`).click();
    await tab.getByRole('button', { name: 'Redeliver' }).click();
    await tab.waitForURL(/\?result=/);
    expect(await tab.locator('.notice.ok').textContent()).toContain(`Redelivered ${id}`);
    expect((await rx.waitFor(2))[1]!.header('webhook-id')).toBe(id);
    await tab.goto(`${tokenServed.url}/webhooks/`);
    await tab.locator('#live.live').waitFor({ timeout: 10_000 });
    await tokenServo.dispatch('measure', {});
    const next = (await rx.waitFor(3))[2]!.header('webhook-id')!;
    await tab.locator(`tr[data-id="${next}"]`).waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
  });
});
