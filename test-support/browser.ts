/**
 * A real browser for end-to-end tests of the endpoint's pages: playwright-core
 * driving the OS's Chromium (`/usr/bin/chromium`, or `CHROMIUM_PATH`; no
 * browser download). Without Chromium such a test skips with a message
 * locally, and fails in CI (`CI=true`), where `.ci/run` installs it.
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** The Chromium the browser tests run: `CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags Chromium runs with: headless, as root on CI (no sandbox), and quiet (nothing fetched in the background). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * True when a browser test should be skipped: Chromium is missing and this is
 * not CI (it says so on stderr). In CI a missing Chromium runs the test,
 * which then fails in {@link launchBrowser} naming the path.
 * @example
 * describe.skipIf(skipWithoutBrowser())('the sign-in form in Chromium', () => { ... });
 */
export function skipWithoutBrowser(): boolean {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return false;
  process.stderr.write(`browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH); with CI=true they fail\n`);
  return true;
}

/** A running Chromium: one browser context with its own fresh profile. */
export interface LaunchedBrowser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts Chromium headless with a fresh user-data dir (no cookies, no cache
 * from another test).
 * @throws Error naming the path when Chromium is not there
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  // Loaded here: every test imports test-support, few drive a browser.
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'servo-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
