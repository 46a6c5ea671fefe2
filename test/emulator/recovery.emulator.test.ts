/**
 * Crash recovery and lost publishes, through the recovery sweep. The emulator never runs schedules, so the
 * tests call the sweep's handler themselves, with a `now` past the lease or the dispatch grace instead of
 * waiting for it; the sweep publishes to the real Pub/Sub emulator and the deployed worker does the rest.
 */
import assert from 'node:assert/strict';
import { Timestamp } from 'firebase-admin/firestore';
import { handleCreateJobCall } from '../../functions/src/entry/callable';
import { WORKER_LOST } from '../../functions/src/core/job';
import { sweep } from '../../functions/src/core/use-cases/sweep';
import { letDispatchGracePass, readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { callableRequest, CapturingQueue, FailingQueue, inProcessDeps } from '../helpers/in-process';
import { watchUntilDone, watchUntil } from '../helpers/watch-job';

describe('recovery sweep (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  it('retries a job whose worker process exited mid-job, once its lease expires', async () => {
    const created = await user.createJob({ type: 'test.crash', input: {} });
    // The first attempt claims the job, then its process exits: the job is left RUNNING with a lease.
    const running = await watchUntil(user.firestore, created.id, (job) => job.state === 'RUNNING');
    assert.equal(running.attempts, 1);
    const lease = running.leaseExpireTime?.toMillis();
    assert.ok(lease && lease > Date.now(), 'the claim holds a lease in the future');

    // Before the lease ends the sweep leaves the job alone: its worker may still be alive.
    const early = await sweep(inProcessDeps(), lease - 1);
    assert.ok(!early.retry.includes(created.id) && !early.fail.includes(created.id));

    const report = await sweep(inProcessDeps(), lease + 1);
    assert.ok(report.retry.includes(created.id), 'the sweep re-queued the job');
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.result, 'recovered on attempt 2');
    assert.equal(final.attempts, 2);
  });

  it('fails a job whose lease expired on its last attempt, with the worker-lost error', async () => {
    const deps = inProcessDeps({ queue: new CapturingQueue() });
    const id = deps.jobs.newJobId();
    await deps.jobs.create(id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } }, 10);
    // Three claims whose workers all vanished: the last one's lease is what the sweep finds.
    for (let n = 1; n <= 3; n++) {
      const claim = await deps.jobs.claim(id, Date.now(), 1);
      assert.ok(claim.claimed);
      if (n < 3) await deps.jobs.requeue({ id, attempt: n }, WORKER_LOST, Date.now());
    }
    const report = await sweep(deps, Date.now() + 1000);
    assert.ok(report.fail.includes(id));
    const job = await readJob(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.done, true);
    assert.equal(job.attempts, 3);
    assert.deepEqual(job.error, WORKER_LOST);
    assert.equal(job.leaseExpireTime, null);
    assert.ok(job.expireTime, 'a done job gets its TTL');
    assert.deepEqual(deps.queue instanceof CapturingQueue && deps.queue.published, [], 'nothing re-published');
  });

  it('publishes again a job whose publish failed after its document was written', async () => {
    const failing = new FailingQueue();
    const deps = inProcessDeps({ queue: failing });
    // createJob still answers: the job exists and is queued; only its message is missing.
    const created = await handleCreateJobCall(
      callableRequest(user.uid, { type: 'sleep', input: { worktime: 0 } }),
      deps,
    );
    assert.equal(failing.attempts, 1);
    const stranded = await readJob(created.id);
    assert.equal(stranded.state, 'CREATED');

    const tooEarly = await sweep(inProcessDeps(), Date.now());
    assert.ok(!tooEarly.republish.includes(created.id), 'within the grace the message may still be on its way');

    await letDispatchGracePass(created.id);
    const report = await sweep(inProcessDeps(), Date.now());
    assert.ok(report.republish.includes(created.id));
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.attempts, 1);
  });

  it('cancels, instead of retrying, a crashed job whose owner asked to cancel it', async () => {
    const deps = inProcessDeps({ queue: new CapturingQueue() });
    const id = deps.jobs.newJobId();
    await deps.jobs.create(id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } }, 10);
    assert.ok((await deps.jobs.claim(id, Date.now(), 1)).claimed);
    assert.equal((await deps.jobs.cancel(id, user.uid ?? '', Date.now(), 30)).kind, 'cancel-requested');
    const report = await sweep(deps, Date.now() + 1000);
    assert.ok(report.cancel.includes(id));
    const job = await readJob(id);
    assert.equal(job.state, 'CANCELLED');
    assert.equal(job.error?.code, 'cancelled');
  });

  it('leaves jobs alone that are healthy', async () => {
    const deps = inProcessDeps({ queue: new CapturingQueue() });
    const id = deps.jobs.newJobId();
    await deps.jobs.create(id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } }, 10);
    const report = await sweep(deps, Date.now());
    for (const ids of Object.values(report)) assert.ok(!ids.includes(id));
    const job = await readJob(id);
    assert.equal(job.state, 'CREATED');
    assert.ok(job.dispatchTime instanceof Timestamp);
    await deps.jobs.cancel(id, user.uid ?? '', Date.now(), 30);
  });
});
