/**
 * Worker pools through the real triggers: `primes` names the compute pool (functions/src/tasks/pools.ts), so its
 * job is recorded in that pool, takes one of that pool's slots, and is run by the pool's own worker function
 * (`runJobCompute`, on the topic `jobs-compute`), while `sleep` stays on the standard pool's `runJob`. Which
 * function ran a job is read from the Logging emulator, where each entry carries its function's name.
 *
 * A slot document no longer names its job (`{ index, held }`; the job names its slot), so "the slot is free again"
 * is read as: the done job holds no slot, and no slot of the pool is held without a job not done holding it. And a
 * job's end hands its slot to the pool's next waiting job in the commit that ends it, checked with the worker run
 * in this process on a pool of one slot, where each end is seen on its own.
 */
import assert from 'node:assert/strict';
import type { SentJob } from '@async-jobs/contract';
import { PRODUCTION_TASKS } from '../../functions/src/tasks/production-tasks';
import { createJobs } from '../../library/src/core/protocol/create-jobs';
import { deadlineAfter } from '../../library/src/core/store/store-access';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { adminFirestore, readJob, type StoredJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { FunctionLogs } from '../helpers/function-logs';
import { CapturingQueue, emulatorAccess, inProcessDeps } from '../helpers/in-process';
import { deliveredMessage } from '../helpers/messages';
import { testPool } from '../helpers/queued-jobs';
import { watchUntilDone } from '../helpers/watch-job';

describe('worker pools (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));
  let logs: FunctionLogs;

  before(async () => {
    logs = await FunctionLogs.open();
  });

  after(() => logs.close());

  /** The function that logged the job's start. */
  async function ranBy(id: string): Promise<string | undefined> {
    const started = await logs.waitFor(`"job running" for ${id}`, (e) => e.message === 'job running' && e.jobId === id);
    return started.functionName;
  }

  it("runs a compute-pool task on the pool's own worker, in the pool's own slots", async () => {
    const { id } = await user.createJob({ type: 'primes', input: { below: 100_000 } });
    const { final } = await watchUntilDone(user.firestore, id);
    assert.equal(final.state, 'COMPLETED');
    assert.deepEqual(final.result, { below: 100_000, count: 9592 });
    const stored = await readJob(id);
    assert.equal(stored.pool, 'compute');
    assert.equal(await ranBy(id), 'us-central1-runJobCompute');
    // It held one of the compute pool's slots and gave it back when it ended (or handed it to the pool's next
    // waiting job): it holds none now, and every slot held is held by a compute job not done. Read in one
    // read-only transaction, so the slots and the jobs holding them are of the same moment.
    assert.equal(stored.slot, null, 'a done job holds no slot');
    const db = adminFirestore();
    const [slots, holders] = await db.runTransaction(
      (tx) =>
        Promise.all([
          tx.get(db.collection('jobPools').doc('compute').collection('slots')),
          tx.get(db.collection('jobs').where('pool', '==', 'compute').where('done', '==', false)),
        ]),
      { readOnly: true },
    );
    assert.ok(slots.size >= 1, 'the compute pool has slots');
    const holding = new Set(holders.docs.map((job) => job.get('slot') as unknown));
    const heldForNothing = slots.docs.filter((slot) => slot.get('held') === true && !holding.has(slot.get('index')));
    assert.deepEqual(
      heldForNothing.map((slot) => slot.id),
      [],
      'no slot is held without a job holding it',
    );
  });

  it('runs a standard-pool task on runJob', async () => {
    const { id } = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
    const { final } = await watchUntilDone(user.firestore, id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal((await readJob(id)).pool, 'standard');
    assert.equal(await ranBy(id), 'us-central1-runJob');
  });
});

describe('a slot handed on at a job’s end (emulator, the worker in this process)', () => {
  it('gives the ending job’s slot to the pool’s next waiting job in the commit that ends it, and frees it last', async () => {
    // A pool of one slot and three jobs: the first takes the slot, the other two wait their turn.
    const pool = testPool();
    const [sleepTask] = PRODUCTION_TASKS.filter((task) => task.type === 'sleep');
    assert.ok(sleepTask);
    const queue = new CapturingQueue();
    const deps = inProcessDeps({ queue, tasks: new TaskRegistry([{ ...sleepTask, pool }]), capacity: () => 1 });
    const access = emulatorAccess();
    const ids = [access.store.newId(), access.store.newId(), access.store.newId()];
    const made = await createJobs(
      access,
      `handoff-owner-${pool}`,
      ids.map((id) => ({ id, type: 'sleep', input: { worktime: 0 }, pool })),
      { maxActiveJobs: 10, capacity: () => 1, deadline: deadlineAfter(access) },
    );
    assert.equal(made.kind, 'created');
    const firstSent = made.jobs[0]?.sent;
    assert.ok(firstSent, 'the first job took the free slot');
    assert.deepEqual(
      made.jobs.slice(1).map((job) => job.waitingIn),
      [pool, pool],
    );
    const db = adminFirestore();
    const slot = db.doc(access.layout.slot(pool, 0));
    const jobsNow = async () =>
      (await db.getAll(...ids.map((id) => db.doc(`jobs/${id}`)))).map((d) => d.data() as StoredJob);
    const takenAt = (await slot.get()).updateTime;

    // Each end is followed by its slot's next job, sent with the message the end published.
    let message: SentJob = firstSent;
    for (const [n, id] of ids.slice(0, 2).entries()) {
      await handleTaskMessage(deliveredMessage(id, 'sleep', `m-${id}`, message), deps);
      const jobs = await jobsNow();
      const [ended, next] = [jobs[n], jobs[n + 1]];
      assert.equal(ended?.state, 'COMPLETED');
      assert.equal(ended.slot, null);
      assert.equal(next?.state, 'CREATED');
      assert.equal(next.waiting, false, 'the next job no longer waits');
      assert.equal(next.slot, 0, 'it holds the ended job’s slot');
      assert.ok(ended.doneTime && next.dispatchTime?.isEqual(ended.doneTime), 'sent in the commit that ended the job');
      const published = queue.published.at(-1);
      assert.deepEqual({ jobId: published?.jobId, slot: published?.sent.slot }, { jobId: ids[n + 1], slot: 0 });
      message = published?.sent ?? message;
      const slotNow = await slot.get();
      assert.equal(slotNow.get('held'), true);
      assert.ok(takenAt && slotNow.updateTime?.isEqual(takenAt), 'the slot document is not written by a hand-off');
    }
    // The last job ends with nobody waiting: its slot is given back.
    await handleTaskMessage(deliveredMessage(ids[2] ?? '', 'sleep', 'm-last', message), deps);
    assert.deepEqual(
      (await jobsNow()).map((job) => ({ state: job.state, slot: job.slot })),
      ids.map(() => ({ state: 'COMPLETED', slot: null })),
    );
    assert.equal((await slot.get()).get('held'), false, 'the slot is free');
    assert.equal(queue.published.length, 2, 'nothing more was sent');
  });
});
