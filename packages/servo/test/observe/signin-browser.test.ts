/**
 * The sign-in form in a real Chromium (playwright-core, the OS's browser):
 * a page visited without a session lands on the form, a wrong token shows
 * the error, the right one lands on the page, and the session cookie is out
 * of the page's scripts' reach (HttpOnly). A form post from the page passes
 * the CSRF check, and the CSP holds in the browser. Skipped locally without
 * Chromium; failing in CI then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchBrowser, skipWithoutBrowser } from '../../../../test-support/index.js';
import { type PageServer, type Seen, servePages, TOKEN, testPage } from './page-server.js';

describe.skipIf(skipWithoutBrowser())('signing in, in Chromium', () => {
  let s: PageServer;
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    const seen: Seen = { streamCancelled: false, streamSignalAborted: false };
    s = await servePages([testPage(seen)], TOKEN);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('lands on the form, refuses a wrong token, opens the page with the right one; the cookie is HttpOnly', async () => {
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });

    await page.goto(`${s.url}/test/sub?x=1`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/test/sub?x=1');
    await expect.poll(() => page.locator('b').first().textContent()).toBe('Test <page>');

    await page.fill('input[name="token"]', 'not-the-token-at-all-0000');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#error');
    expect(await page.textContent('#error')).toBe('That token is not right.');
    expect(new URL(page.url()).pathname).toBe('/signin');

    await page.fill('input[name="token"]', TOKEN);
    await Promise.all([page.waitForURL(`${s.url}/test/sub?x=1`), page.click('button[type="submit"]')]);
    expect(await page.textContent('#title')).toBe('The test page');

    const cookies = await browser.context.cookies(s.url);
    const cookie = cookies.find((c) => c.name.startsWith('servo_session_'));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The page's own form posts with its CSRF token and the browser's same-origin headers: it passes.
    await Promise.all([page.waitForURL(`${s.url}/test/echo`), page.click('form button')]);
    const echoed = JSON.parse((await page.textContent('body')) as string) as { body: string };
    expect(echoed.body).toMatch(/^_csrf=[A-Za-z0-9_-]{43}&note=hi$/);

    // An inline script is blocked by the policy.
    await page.goto(`${s.url}/test`);
    const ran = await page.evaluate(() => {
      const el = document.createElement('script');
      el.textContent = 'window.inlineRan = true';
      document.body.append(el);
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
    });
    expect(ran).toBe(false);
    expect(violations.length).toBeGreaterThan(0);
    await page.close();
  }, 60_000);
});
