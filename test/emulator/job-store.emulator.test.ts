/**
 * The job store's fenced writes against the real Firestore emulator: claims and attempt writes are plain
 * updates with an update-time precondition, not transactions, so these tests race them on purpose.
 */
import assert from 'node:assert/strict';
import { readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';

describe('job store fenced writes (emulator)', () => {
  let user: TestUser;
  const deps = inProcessDeps({ queue: new CapturingQueue() });
  const LEASE_MS = 60_000;
  userForSuite((u) => (user = u));

  async function queuedJob(): Promise<string> {
    const id = deps.jobs.newJobId();
    await deps.jobs.create(id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } }, 10);
    return id;
  }

  it('lets exactly one of ten concurrent claims of the same read win', async () => {
    const id = await queuedJob();
    const seen = await deps.jobs.read(id);
    const claims = await Promise.all(Array.from({ length: 10 }, () => deps.jobs.claim(id, Date.now(), LEASE_MS, seen)));
    assert.equal(claims.filter((c) => c.claimed).length, 1, 'one claim won');
    for (const claim of claims.filter((c) => !c.claimed)) {
      assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'RUNNING' });
    }
    const job = await readJob(id);
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.attempts, 1, 'claimed once');
  });

  it('claims from a stale read by reading again, and refuses once the job is no longer queued', async () => {
    const id = await queuedJob();
    const stale = await deps.jobs.read(id);
    // The owner cancels the queued job meanwhile: the claim's read is stale.
    await deps.jobs.cancel(id, user.uid ?? '', Date.now(), 30);
    const claim = await deps.jobs.claim(id, Date.now(), LEASE_MS, stale);
    assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'CANCELLED' });
    assert.equal((await readJob(id)).state, 'CANCELLED', 'the claim did not overwrite the terminal state');
  });

  it('writes for the current attempt after someone else wrote the job, with one read to re-fence', async () => {
    const id = await queuedJob();
    const claim = await deps.jobs.claim(id, Date.now(), LEASE_MS);
    assert.ok(claim.claimed);
    const fenceBefore = claim.attempt.version;
    // The owner's cancel request writes the job: the attempt's fence is now stale.
    assert.equal((await deps.jobs.cancel(id, user.uid ?? '', Date.now(), 30)).kind, 'cancel-requested');
    const progress = await deps.jobs.writeProgress(claim.attempt, { percent: 50, message: 'half' });
    assert.deepEqual(progress, { written: true, state: 'RUNNING' });
    assert.notDeepEqual(claim.attempt.version, fenceBefore, 'the fence moved to the new write');
    const job = await readJob(id);
    assert.deepEqual(job.progress, { percent: 50, message: 'half' });
    assert.equal(job.cancelRequested, true, 'the other write is kept');
    const finished = await deps.jobs.finish(
      claim.attempt,
      { state: 'CANCELLED', error: { code: 'cancelled', message: 'x' } },
      Date.now(),
      30,
      { queueMillis: 1, runMillis: 2 },
    );
    assert.deepEqual(finished, { written: true, state: 'RUNNING' });
    const done = await readJob(id);
    assert.equal(done.state, 'CANCELLED');
    assert.equal(done.runMillis, 2);
  });

  it('refuses every write of a superseded attempt, whatever its fence says', async () => {
    const id = await queuedJob();
    const first = await deps.jobs.claim(id, Date.now(), LEASE_MS);
    assert.ok(first.claimed);
    // The sweep takes the job back (lease lost) and a second worker claims it.
    await deps.jobs.requeue({ id, attempt: 1 }, { code: 'unavailable', message: 'worker lost' }, Date.now());
    const second = await deps.jobs.claim(id, Date.now(), LEASE_MS);
    assert.ok(second.claimed);
    assert.equal(second.attempt.attempt, 2);

    assert.deepEqual(await deps.jobs.writeProgress(first.attempt, { percent: 99 }), {
      written: false,
      state: 'RUNNING',
    });
    const late = await deps.jobs.finish(first.attempt, { state: 'COMPLETED', result: 'late' }, Date.now(), 30);
    assert.deepEqual(late, { written: false, state: 'RUNNING' });
    const job = await readJob(id);
    assert.equal(job.attempts, 2);
    assert.equal(job.state, 'RUNNING', 'the second attempt still owns the job');
    assert.equal(job.result, undefined);
    assert.equal(job.progress, undefined);
  });
});
