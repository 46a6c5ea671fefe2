/**
 * A burst, as a new user would make one: 200 jobs from 4 users through the real createJob callable (20 calls in
 * flight, each with a requestId, trying again after resource-exhausted or unavailable as a client should), run by the emulator's real Pub/Sub trigger with the default settings
 * of functions/.env. Every job must end COMPLETED, and no handler may run to completion twice (test.record counts
 * its completions in Firestore). The pool's dispatch sends no more jobs to workers than its capacity, so the
 * Functions emulator never has to start more worker processes than that at once; the local scheduler's sweep
 * covers a delivery it drops anyway.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST_RUNS_COLLECTION } from '../fixtures/tasks/test-tasks';
import { adminFirestore } from '../helpers/admin';
import { createTryingAgain, signedInUser, type TestUser } from '../helpers/client';

const USERS = 4;
const JOBS_PER_USER = 50;
const IN_FLIGHT = 20;
/** How long the burst may take to end; the deadline guards against a hang, it is not a measure. */
const DEADLINE_MS = 240_000;

/** Runs `work` for every item, at most `limit` at once. */
async function boundedAll<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

/** The jobs among `ids` not yet done, read from the server (the test is about the jobs, not the listeners). */
async function notDone(ids: readonly string[]): Promise<string[]> {
  const refs = ids.map((id) => adminFirestore().collection('jobs').doc(id));
  const snaps = await adminFirestore().getAll(...refs);
  return snaps.filter((snap) => snap.get('done') !== true).map((snap) => snap.id);
}

describe('a burst of 200 jobs from 4 users on the default settings (emulator)', () => {
  const users: TestUser[] = [];

  before(async () => {
    for (let u = 0; u < USERS; u++) users.push(await signedInUser());
  });

  after(async () => {
    for (const user of users) await user.close();
  });

  it('completes every job, each handler once', async function () {
    this.timeout(DEADLINE_MS + 60_000);
    const plan = users.flatMap((user) => Array.from({ length: JOBS_PER_USER }, () => user));
    const tries = { calls: 0 };
    const ids = await boundedAll(
      plan,
      IN_FLIGHT,
      async (user) => (await createTryingAgain(user, { type: 'test.record', input: {} }, tries)).id,
    );
    console.log(`      ${ids.length} jobs created in ${tries.calls} calls`);
    assert.equal(new Set(ids).size, USERS * JOBS_PER_USER, 'one job per create');

    const deadline = Date.now() + DEADLINE_MS;
    let pending = await notDone(ids);
    while (pending.length > 0 && Date.now() < deadline) {
      await delay(1_000);
      pending = await notDone(pending);
    }
    assert.deepEqual(pending, [], `${pending.length} jobs not done after ${DEADLINE_MS / 1000} s`);

    const db = adminFirestore();
    const jobs = await db.getAll(...ids.map((id) => db.collection('jobs').doc(id)));
    const notCompleted = jobs.filter((job) => job.get('state') !== 'COMPLETED').map((job) => job.id);
    assert.deepEqual(notCompleted, [], 'every job COMPLETED');
    for (const [u, user] of users.entries()) {
      const owned = jobs.filter((job) => job.get('owner') === user.uid).length;
      assert.equal(owned, JOBS_PER_USER, `user ${u} owns their ${JOBS_PER_USER} jobs`);
    }
    const runs = await db.getAll(...ids.map((id) => db.collection(TEST_RUNS_COLLECTION).doc(id)));
    const twice = runs
      .filter((run) => run.get('completions') !== 1)
      .map((run) => `${run.id}: ${run.get('completions')}`);
    assert.deepEqual(twice, [], 'every handler ran to completion exactly once');
  });
});
