/**
 * Crash recovery and lost publishes, through the recovery sweep. The emulator never runs schedules, so the
 * tests call the sweep's handler themselves, with a `now` past the lease or the dispatch grace instead of
 * waiting for it; the sweep publishes to the real Pub/Sub emulator and the deployed worker does the rest.
 *
 * The sweep queries the whole collection it is given, a batch of jobs per kind (DEFAULT_SWEEP_OPTIONS), and acts
 * on every job it finds. On the shared `jobs` collection those are other test files' leftovers too (jobs left
 * queued, or RUNNING with a lease): they could fill the batch so that a test's own job is never reached, and the
 * sweep would re-publish, retry or fail them, loading the worker and changing what those files left behind. So
 * each test sees only its own jobs, whichever files ran before it:
 * - the tests that need the deployed worker (which serves `jobs`) sweep `jobs` through `onlyJobs`: the real
 *   queries, asked for every job they find, with the answers narrowed to the jobs the test made;
 * - the others run on a collection of their own, where the sweep's real queries and batch see nothing else, so
 *   its whole report is checked.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { firestoreJobRepository } from '../../library/src/adapters/firestore/firestore-job-repository';
import type { FirestoreJob } from '../../library/src/adapters/firestore/job-codec';
import { schedulingCollectionNames } from '../../library/src/adapters/firestore/scheduling-collections';
import { handleCreateJobCall } from '../../library/src/entry/callable';
import { WORKER_LOST } from '../../library/src/core/job';
import type { DispatchOperations, SweepOperations } from '../../library/src/core/ports/job-repository';
import { sweep, type SweepDeps, type SweepReport } from '../../library/src/core/use-cases/sweep';
import { adminFirestore, letDispatchGracePass, readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { callableRequest, CapturingQueue, emulatorJobs, FailingQueue, inProcessDeps } from '../helpers/in-process';
import { createDispatchedJob } from '../helpers/queued-jobs';
import { watchUntilDone, watchUntil } from '../helpers/watch-job';

/** More jobs than the sweep's queries could find on the emulator: `onlyJobs` asks for all of them. */
const EVERY_CANDIDATE = 10_000;

/**
 * The sweep's operations on `jobs`, seeing only `ids`: the real queries, asked for every candidate (so others'
 * leftovers cannot take the batch's places), with their answers narrowed to `ids`; the real recovery of each. Its
 * dispatch finds nothing waiting: sending other files' waiting jobs to the standard pool's slots is the deployed
 * functions' business, not this test's.
 */
function onlyJobs(ids: readonly string[]): SweepOperations & DispatchOperations {
  const jobs = emulatorJobs();
  const mine = (found: string[], limit: number) => found.filter((id) => ids.includes(id)).slice(0, limit);
  return {
    queuedBefore: async (time, limit) => mine(await jobs.queuedBefore(time, EVERY_CANDIDATE), limit),
    leaseExpiredBefore: async (time, limit) => mine(await jobs.leaseExpiredBefore(time, EVERY_CANDIDATE), limit),
    recoverJob: (id, now, retentionDays, decide) => {
      assert.ok(ids.includes(id), `the sweep was handed only this test's jobs, not ${id}`);
      return jobs.recoverJob(id, now, retentionDays, decide);
    },
    dispatchNext: () => Promise.resolve({ kind: 'none-waiting' }),
  };
}

/** The deployed functions' dependencies with the sweep seeing only `ids` of `jobs`. */
const sweepingOnly = (ids: readonly string[]): SweepDeps => ({ ...inProcessDeps(), jobs: onlyJobs(ids) });

const NOTHING_DONE: SweepReport = { republish: [], retry: [], fail: [], cancel: [], dispatched: 0 };

describe('recovery sweep (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  /** The collections of their own the tests made, deleted after the suite. */
  const ownCollections: string[] = [];
  after(async () => {
    const db = adminFirestore();
    for (const name of ownCollections) {
      const { owners, pools } = schedulingCollectionNames(name);
      for (const collection of [name, owners, pools]) await db.recursiveDelete(db.collection(collection));
    }
  });

  /**
   * A jobs collection of the test's own, empty, with the deployed functions' Firestore repository on it and a
   * queue that keeps what the sweep publishes.
   */
  function ownCollection() {
    const name = `recovery-${randomUUID()}`;
    ownCollections.push(name);
    const queue = new CapturingQueue();
    const deps = inProcessDeps({ jobs: firestoreJobRepository(adminFirestore(), name), queue });
    const read = async (id: string): Promise<FirestoreJob> => {
      const snap = await adminFirestore().collection(name).doc(id).get();
      assert.ok(snap.exists, `${name}/${id} exists`);
      return snap.data() as FirestoreJob;
    };
    /** What the owner's jobs hold, read behind the port: admission places, and slots of any pool. */
    const holdings = async (owner: string) => {
      const db = adminFirestore();
      const { owners, pools } = schedulingCollectionNames(name);
      const counters = await db.collection(owners).doc(owner).collection('admission').get();
      let slots = 0;
      for (const pool of await db.collection(pools).listDocuments()) {
        slots += (await pool.collection('slots').where('jobId', '!=', null).count().get()).data().count;
      }
      return { admitted: counters.docs.reduce((sum, counter) => sum + Number(counter.get('active')), 0), slots };
    };
    return { deps, queue, read, holdings };
  }

  it('retries a job whose worker process exited mid-job, once its lease expires', async () => {
    const created = await user.createJob({ type: 'test.crash', input: {} });
    // The first attempt claims the job, then its process exits: the job is left RUNNING with a lease.
    const running = await watchUntil(user.firestore, created.id, (job) => job.state === 'RUNNING');
    assert.equal(running.attempts, 1);
    const lease = running.leaseExpireTime?.toMillis();
    assert.ok(lease && lease > Date.now(), 'the claim holds a lease in the future');
    const deps = sweepingOnly([created.id]);

    // Before the lease ends the sweep leaves the job alone: its worker may still be alive.
    assert.deepEqual(await sweep(deps, lease - 1), NOTHING_DONE);

    assert.deepEqual(await sweep(deps, lease + 1), { ...NOTHING_DONE, retry: [created.id] }, 'the job is re-queued');
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.result, 'recovered on attempt 2');
    assert.equal(final.attempts, 2);
  });

  it('fails a job whose lease expired on its last attempt, with the worker-lost error, and frees what it held', async () => {
    const { deps, queue, read, holdings } = ownCollection();
    const id = deps.jobs.newJobId();
    await createDispatchedJob(deps.jobs, id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } });
    assert.deepEqual(await holdings(user.uid ?? ''), { admitted: 1, slots: 1 });
    // Three claims whose workers all vanished: the last one's lease is what the sweep finds.
    for (let n = 1; n <= 3; n++) {
      const claim = await deps.jobs.claim(id, Date.now(), 1);
      assert.ok(claim.claimed);
      if (n < 3) await deps.jobs.requeue({ id, attempt: n }, WORKER_LOST, Date.now());
    }
    assert.deepEqual(await sweep(deps, Date.now() + 1000), { ...NOTHING_DONE, fail: [id] });
    const job = await read(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.done, true);
    assert.equal(job.attempts, 3);
    assert.deepEqual(job.error, WORKER_LOST);
    assert.equal(job.leaseExpireTime, null);
    assert.ok(job.expireTime, 'a done job gets its TTL');
    assert.equal(job.slot, null);
    assert.deepEqual(await holdings(user.uid ?? ''), { admitted: 0, slots: 0 }, 'its place and slot given back');
    assert.deepEqual(queue.published, [], 'nothing re-published');
  });

  it('publishes again a job whose publish failed after its document was written', async () => {
    const failing = new FailingQueue();
    // createJob still answers: the job exists and is queued; only its message is missing.
    const created = await handleCreateJobCall(
      callableRequest(user.uid, { type: 'sleep', input: { worktime: 0 } }),
      inProcessDeps({ queue: failing }),
    );
    assert.equal(failing.attempts, 1);
    const stranded = await readJob(created.id);
    assert.equal(stranded.state, 'CREATED');
    const deps = sweepingOnly([created.id]);

    // Within the grace the message may still be on its way.
    assert.deepEqual(await sweep(deps, Date.now()), NOTHING_DONE);

    await letDispatchGracePass(created.id);
    assert.deepEqual(await sweep(deps, Date.now()), { ...NOTHING_DONE, republish: [created.id] });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.attempts, 1);
  });

  it('cancels, instead of retrying, a crashed job whose owner asked to cancel it', async () => {
    const { deps, queue, read } = ownCollection();
    const id = deps.jobs.newJobId();
    await createDispatchedJob(deps.jobs, id, user.uid ?? '', { type: 'sleep', input: { worktime: 1 } });
    assert.ok((await deps.jobs.claim(id, Date.now(), 1)).claimed);
    assert.equal((await deps.jobs.cancel(id, user.uid ?? '', Date.now(), 30)).kind, 'cancel-requested');
    assert.deepEqual(await sweep(deps, Date.now() + 1000), { ...NOTHING_DONE, cancel: [id] });
    const job = await read(id);
    assert.equal(job.state, 'CANCELLED');
    assert.equal(job.error?.code, 'cancelled');
    assert.deepEqual(queue.published, [], 'nothing re-published');
  });

  it('leaves jobs alone that are healthy: just queued, running within their lease, or done', async () => {
    const { deps, queue, read } = ownCollection();
    const owner = user.uid ?? '';
    const newJob = async () => {
      const id = deps.jobs.newJobId();
      await createDispatchedJob(deps.jobs, id, owner, { type: 'sleep', input: { worktime: 1 } });
      return id;
    };
    const queued = await newJob();
    const running = await newJob();
    const claim = await deps.jobs.claim(running, Date.now(), 60_000);
    assert.ok(claim.claimed);
    const completed = await newJob();
    const completedClaim = await deps.jobs.claim(completed, Date.now(), 60_000);
    assert.ok(completedClaim.claimed);
    await deps.jobs.finish(completedClaim.attempt, { state: 'COMPLETED', result: 'done' }, Date.now(), 30);
    const cancelled = await newJob();
    await deps.jobs.cancel(cancelled, owner, Date.now(), 30);
    const ids = [queued, running, completed, cancelled];
    const before = await Promise.all(ids.map(read));
    assert.deepEqual(
      before.map((job) => job.state),
      ['CREATED', 'RUNNING', 'COMPLETED', 'CANCELLED'],
    );
    assert.ok(before[0]?.dispatchTime instanceof Timestamp);

    assert.deepEqual(await sweep(deps, Date.now()), NOTHING_DONE);
    const after = await Promise.all(ids.map(read));
    for (const [i, job] of after.entries()) {
      assert.ok(job.updateTime.isEqual(before[i]?.updateTime ?? Timestamp.fromMillis(0)), `${job.state}: not written`);
    }
    assert.deepEqual(queue.published, [], 'nothing re-published');
  });
});
