/**
 * Headless Chromium for the console's browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core (which never downloads a browser of its own).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** `false` when Chromium is installed, else the reason to skip (CI installs it). */
export const chromiumMissing: false | string = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is missing: install Debian's chromium package to run the browser tests`;

/** test-results/screenshots at the repository root (npm test runs there). */
export const SCREENSHOT_DIR = join(resolve(process.cwd()), 'test-results', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The machine has no network but loopback: stop Chromium phoning home at start-up.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Collects what the page did wrong: uncaught errors and CSP violations (a console message from
 * Chromium). A test asserts the list is empty, so a blocked script or style cannot go unseen.
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
  });
  return problems;
}
