/**
 * The operator console at /admin in Debian's Chromium (playwright-core), against the Hosting emulator and the rest of
 * the suite. An operator (a password user with `admin: true`, made with the Admin SDK) signs in, finds another
 * user's FAILED job among the latest failures, retries it once its cause is fixed, and watches the retry COMPLETE,
 * all through the page's listeners; a user without the claim gets the refusal and no data. The operator's page is
 * saved as test-results/console.png (docs/console.png is a copy of it).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { TEST_GATES_COLLECTION } from '../fixtures/tasks/test-tasks';
import { adminFirestore, readJob } from '../helpers/admin';
import { signedInUser, type TestUser } from '../helpers/client';
import { launchChromium, RESULTS } from '../helpers/browser';
import { emulatorHosts } from '../helpers/emulators';
import { passwordUser } from '../helpers/operators';
import { watchUntilDone } from '../helpers/watch-job';

const CONSOLE_URL = 'http://127.0.0.1:5000/admin';
/** Generous: a step waits on the page's listeners, never on the clock; this only stops a broken page hanging the run. */
const STEP_MS = 30_000;

/** Opens the console and signs in with the form, as a person would. */
async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto(CONSOLE_URL);
  await page.locator('#sign-in').waitFor({ state: 'visible', timeout: STEP_MS });
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who').getByText(`Signed in as ${user.email}`).waitFor({ timeout: STEP_MS });
}

describe('operator console (browser)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let owner: TestUser;

  before(async () => {
    emulatorHosts();
    browser = await launchChromium();
    owner = await signedInUser();
  });

  after(async () => {
    await owner?.close();
    await browser?.close();
  });

  it("shows an operator another user's FAILED job; Retry makes a new job of theirs, seen to COMPLETE", async () => {
    // Another user's job that FAILED because a dependency (its gate) was down.
    const gate = `console-${Date.now()}`;
    const gates = adminFirestore().collection(TEST_GATES_COLLECTION);
    await gates.doc(gate).set({ open: false });
    const { id } = await owner.createJob({ type: 'test.gate', input: { gate } });
    assert.equal((await watchUntilDone(owner.firestore, id)).final.state, 'FAILED');

    const operator = await passwordUser({ admin: true });
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    try {
      const page = await context.newPage();
      await signIn(page, operator);
      await page.locator('#console').waitFor({ state: 'visible', timeout: STEP_MS });
      assert.equal(await page.locator('#not-operator').isVisible(), false);

      // The overview: a row per pool in the counts and the queues (its first refresh has answered).
      await page.locator('#counts tbody tr[data-pool="standard"]').waitFor({ timeout: STEP_MS });
      await page.locator('#pools tbody tr[data-pool="compute"]').waitFor({ timeout: STEP_MS });
      const failedCell = page.locator('#counts tbody tr[data-pool="standard"] td').nth(4);
      assert.ok(Number(await failedCell.textContent()) >= 1, 'the standard pool counts the FAILED job');

      // The failure, live in the latest failures, with its error.
      const failure = page.locator(`#failures li[data-job-id="${id}"]`);
      await failure.waitFor({ timeout: STEP_MS });
      assert.match((await failure.textContent()) ?? '', new RegExp(`the gate ${gate} is closed`));

      // Its document and history.
      await failure.getByRole('button', { name: `Show job ${id}` }).click();
      const detail = page.locator(`#job-detail[data-job-id="${id}"][data-state="FAILED"]`);
      await detail.waitFor({ timeout: STEP_MS });
      assert.match((await page.locator('#job-history').textContent()) ?? '', /ended FAILED: failed-precondition/);
      assert.match((await page.locator('#job-document').textContent()) ?? '', new RegExp(`"owner": "${owner.uid}"`));
      assert.equal(await detail.getByRole('button', { name: 'Cancel' }).count(), 0, 'a done job has no Cancel');

      // The cause is fixed; the operator retries, and the page follows the new job to its end. The gate holds the
      // new job RUNNING until the page shows it, so its end commits after the page's listener has its first snapshot:
      // the emulator can drop a change that commits while a listener is being set up (test/helpers/lost-changes.ts),
      // and this page's listener is not one a test can restart.
      await gates.doc(gate).set({ open: true, held: true });
      await detail.getByRole('button', { name: 'Retry' }).click();
      const following = page.locator(`#job-detail[data-job-id]:not([data-job-id="${id}"])`);
      await following.waitFor({ timeout: STEP_MS });
      assert.match((await following.getAttribute('data-state')) ?? '', /^(CREATED|RUNNING)$/, 'held at its gate');
      await gates.doc(gate).update({ held: false });
      const retried = page.locator(`#job-detail[data-state="COMPLETED"]:not([data-job-id="${id}"])`);
      await retried.waitFor({ timeout: STEP_MS });
      assert.match((await page.locator('#job-links').textContent()) ?? '', new RegExp(`Retry of ${id}`));
      const retryId = (await retried.getAttribute('data-job-id')) ?? '';
      const retry = await readJob(retryId);
      assert.deepEqual(
        { owner: retry.owner, type: retry.type, input: retry.input, retryOf: retry.retryOf, state: retry.state },
        { owner: owner.uid, type: 'test.gate', input: { gate }, retryOf: id, state: 'COMPLETED' },
      );
      assert.equal((await readJob(id)).state, 'FAILED', 'the retried job stays FAILED');

      // The chart has counted the hour's ends (a refresh after the first, within REFRESH_MS, counts the open span).
      await page
        .locator('#chart-summary')
        .getByText(/[1-9]\d* completed and [1-9]\d* failed in the last hour/)
        .waitFor({ timeout: STEP_MS });
      assert.ok((await page.locator('#chart rect.bar-failed').count()) > 0);
      await page.screenshot({ path: join(RESULTS, 'console.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('shows a user without the claim that they are not an operator, and no data', async () => {
    const user = await passwordUser({ role: 'support' });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, user);
      await page
        .locator('#not-operator')
        .getByText(/you are not an operator/)
        .waitFor({ timeout: STEP_MS });
      assert.equal(await page.locator('#console').isVisible(), false);
      assert.equal(await page.locator('#counts tbody tr').count(), 0, 'no counts');
      assert.equal(await page.locator('#failures li').count(), 0, 'no failures');
      assert.equal(await page.locator('#job-detail').isVisible(), false);
    } finally {
      await context.close();
    }
  });
});
