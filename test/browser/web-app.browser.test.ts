/**
 * The web app in a real browser: Debian's Chromium driven by playwright-core, against the Hosting emulator
 * (which serves web/dist) and the rest of the suite. Two browser contexts are two anonymous users.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, RESULTS } from '../helpers/browser';
import { emulatorHosts } from '../helpers/emulators';

const APP_URL = 'http://127.0.0.1:5000/';
/** Generous: a UI step waits on a listener, never on the clock; this only stops a broken page hanging the run. */
const STEP_MS = 30_000;

async function openApp(context: BrowserContext): Promise<{ page: Page; uid: string }> {
  const page = await context.newPage();
  await page.goto(APP_URL);
  const who = page.locator('#who');
  await who.getByText(/Signed in anonymously as/).waitFor({ timeout: STEP_MS });
  const uid = (await who.getAttribute('data-uid')) ?? '';
  assert.match(uid, /^\w{20,}$/);
  return { page, uid };
}

async function startSleep(page: Page, worktime: string): Promise<void> {
  await page.getByLabel('Task').selectOption('sleep');
  await page.getByLabel('Work time (seconds)').fill(worktime);
  await page.getByRole('button', { name: 'Start job' }).click();
}

/** The row of the newest job, once the table shows it. */
function newestRow(page: Page) {
  return page.locator('#jobs tbody tr').first();
}

describe('web app (browser)', function () {
  this.timeout(120_000);
  let browser: Browser;

  before(async () => {
    emulatorHosts();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in, starts a job and shows it COMPLETED with its progress bar full; a cancel; an error', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    try {
      const { page } = await openApp(context);
      assert.equal(await page.locator('#jobs-empty').isVisible(), true, 'a new user has no jobs');

      await startSleep(page, '1');
      const done = page.locator('#jobs tbody tr[data-state="COMPLETED"]');
      await done.first().waitFor({ timeout: STEP_MS });
      assert.equal(await done.first().locator('.badge').textContent(), 'COMPLETED');
      assert.equal(await done.first().locator('progress').getAttribute('value'), '100');
      assert.match((await done.first().textContent()) ?? '', /OK completed/);

      // A long job, cancelled from its row's button (by keyboard: focus and Enter).
      await startSleep(page, '120');
      const running = page.locator('#jobs tbody tr[data-state="RUNNING"]');
      await running.first().waitFor({ timeout: STEP_MS });
      const cancel = running.first().getByRole('button', { name: /Cancel job/ });
      await cancel.focus();
      await page.keyboard.press('Enter');
      const cancelled = page.locator('#jobs tbody tr[data-state="CANCELLED"]');
      await cancelled.first().waitFor({ timeout: STEP_MS });
      assert.match((await cancelled.first().textContent()) ?? '', /cancelled: the job was cancelled by its owner/);

      // Invalid input: the server's refusal, in words, next to the form; no job is added.
      const rowsBefore = await page.locator('#jobs tbody tr').count();
      await startSleep(page, '-5');
      const error = page.locator('#form-error');
      await error.getByText(/That input is not valid/).waitFor({ timeout: STEP_MS });
      assert.match((await error.textContent()) ?? '', /input\.worktime/);
      assert.equal(await page.locator('#jobs tbody tr').count(), rowsBefore);

      // A CPU task from the same form: only its field shows, and its result arrives in the row. Small enough to
      // end in moments: the largest primes job runs a few seconds only, too short to be sure a cancel beats it.
      await page.getByLabel('Task').selectOption('primes');
      assert.equal(await page.getByLabel('Work time (seconds)').isVisible(), false, 'only the chosen task’s field');
      await page.getByLabel('Count primes below').fill('1000000');
      await page.getByRole('button', { name: 'Start job' }).click();
      const primes = page.locator('#jobs tbody tr[data-state="COMPLETED"]').filter({ hasText: 'primes' });
      await primes.first().waitFor({ timeout: STEP_MS });
      assert.match((await primes.first().textContent()) ?? '', /"count":78498/, 'π(10⁶) = 78498');

      // One more, still running, for the screenshot of the table in several states.
      await startSleep(page, '120');
      // Its first progress report has arrived through the listener.
      await page
        .locator('#jobs tbody tr[data-state="RUNNING"] progress:not([value="0"])')
        .first()
        .waitFor({ timeout: STEP_MS });
      await page.screenshot({ path: join(RESULTS, 'web-app-jobs.png'), fullPage: true });
      await newestRow(page)
        .getByRole('button', { name: /Cancel job/ })
        .click();
      await page
        .locator('#jobs tbody tr')
        .first()
        .and(page.locator('[data-state="CANCELLED"]'))
        .waitFor({ timeout: STEP_MS });
    } finally {
      await context.close();
    }
  });

  it('writes a report step by step, shows its pause and its wait, and Approve and Reject end it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    try {
      const { page } = await openApp(context);
      const startReport = async (pauseSeconds: string) => {
        await page.getByLabel('Task').selectOption('report');
        await page.getByLabel('Sections (each a step)').fill('2');
        await page.getByLabel('Seconds per section').fill('1');
        await page.getByLabel('Pause before asking for approval (seconds)').fill(pauseSeconds);
        await page.getByRole('button', { name: 'Start job' }).click();
      };

      // Its pause, then its wait for the owner, each shown in its row as the job goes through them.
      await startReport('5');
      const row = newestRow(page);
      await row
        .locator('.wait')
        .getByText(/asleep in pause, wakes in/)
        .waitFor({ timeout: STEP_MS });
      assert.match((await row.locator('.steps').textContent()) ?? '', /in step pause · 3 steps done/);
      await row
        .locator('.wait')
        .getByText(/waiting for approval \(for up to/)
        .waitFor({ timeout: STEP_MS });
      assert.equal(await row.getAttribute('data-state'), 'RUNNING');
      await page.screenshot({ path: join(RESULTS, 'web-app-approval.png'), fullPage: true });
      await row.getByRole('button', { name: /Approve job/ }).click();
      const approved = page.locator('#jobs tbody tr[data-state="COMPLETED"]').filter({ hasText: 'report' });
      await approved.first().waitFor({ timeout: STEP_MS });
      assert.match((await approved.first().textContent()) ?? '', /"published":true/);
      assert.equal(
        await approved
          .first()
          .getByRole('button', { name: /Approve job/ })
          .count(),
        0,
        'no buttons',
      );

      // Rejected: it ends without publishing, and says why.
      await startReport('0');
      await newestRow(page)
        .getByRole('button', { name: /Reject job/ })
        .waitFor({ timeout: STEP_MS });
      await newestRow(page)
        .getByRole('button', { name: /Reject job/ })
        .click();
      const rejected = page.locator('#jobs tbody tr[data-state="COMPLETED"]').filter({ hasText: 'rejected' });
      await rejected.first().waitFor({ timeout: STEP_MS });
      assert.match((await rejected.first().textContent()) ?? '', /"published":false/);
    } finally {
      await context.close();
    }
  });

  it("shows a second user none of the first user's jobs", async () => {
    const first = await browser.newContext();
    const second = await browser.newContext();
    try {
      const a = await openApp(first);
      await startSleep(a.page, '0');
      await a.page.locator('#jobs tbody tr[data-state="COMPLETED"]').first().waitFor({ timeout: STEP_MS });
      const b = await openApp(second);
      assert.notEqual(a.uid, b.uid, 'two anonymous users');
      // The second user's listener has answered once its "no jobs" state shows, with no live-update error.
      await b.page.locator('#jobs-empty').waitFor({ state: 'visible', timeout: STEP_MS });
      assert.equal(await b.page.locator('#jobs tbody tr').count(), 0);
      assert.equal(await b.page.locator('#jobs-error').textContent(), '');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('is readable at phone width: each job is a labelled card', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const { page } = await openApp(context);
      await startSleep(page, '0');
      const row = page.locator('#jobs tbody tr[data-state="COMPLETED"]').first();
      await row.waitFor({ timeout: STEP_MS });
      assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'block');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'no horizontal scrolling');
      await page.screenshot({ path: join(RESULTS, 'web-app-phone.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
