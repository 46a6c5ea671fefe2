/**
 * The browser the browser tests drive: Debian's Chromium (`apt-get install chromium`), or the Chrome or Chromium
 * CHROMIUM_PATH names; never one a tool downloads. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests write their screenshots. */
export const RESULTS = join(__dirname, '..', '..', 'test-results');

/** A headless Chromium, with RESULTS made; fails with what to install when there is none. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  mkdirSync(RESULTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
