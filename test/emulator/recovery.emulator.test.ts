/**
 * Crash recovery and lost publishes, through the recovery sweep. The emulator never runs schedules, so the
 * tests call the sweep's handler themselves, with a `now` past the lease or the dispatch grace instead of
 * waiting for it; the sweep publishes to the real Pub/Sub emulator and the deployed worker does the rest.
 *
 * The sweep queries the whole collection it is given, a batch of jobs per kind (SWEEP_BATCH_SIZE), and acts on
 * every job it finds. On the shared `jobs` collection those are other test files' leftovers too (jobs left
 * waiting, or RUNNING with a lease): they could fill the batch so that a test's own job is never reached, and the
 * sweep would re-publish, retry or fail them, loading the worker and changing what those files left behind. So
 * each test sees only its own jobs, whichever files ran before it:
 * - the tests that need the deployed worker (which serves `jobs`) sweep `jobs` through a store that narrows every
 *   query of the jobs to the jobs the test made (asked for every candidate, so others' leftovers cannot take the
 *   batch's places), and with no pool to look after: freeing the shared pools' slots and sending their waiting
 *   jobs is the deployed functions' business, not this test's;
 * - the others run on a collection of their own, where the sweep's real queries and batch see nothing else, so
 *   its whole report is checked.
 *
 * Since the job protocol moved into the core (core/protocol): what a job holds is read as the protocol keeps it
 * (its owner's jobs not done, counted as admission counts them, and the slot documents marked `held`), no longer
 * as admission counter documents and slots naming their job; the tests drive claims, requeues and ends through
 * the protocol's own functions. New here: the sweep frees a slot whose job was deleted by hand and sends the
 * pool's next waiting job into it, and it ends the jobs of a pool no longer deployed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import type { SentJob } from '@async-jobs/contract';
import { config } from '../../library/src/config';
import { handleCreateJobCall } from '../../library/src/entry/callable';
import { WORKER_LOST } from '../../library/src/core/job';
import type {
  CommitResult,
  DocumentStore,
  Filter,
  OnListenError,
  OnMatch,
  Query,
  StoredDocument,
  Unsubscribe,
  Write,
} from '../../library/src/core/ports/document-store';
import { requeueAttempt, finishAttempt } from '../../library/src/core/protocol/attempt-writes';
import { cancelJob } from '../../library/src/core/protocol/cancel';
import { claimJob } from '../../library/src/core/protocol/claim';
import { createJobs } from '../../library/src/core/protocol/create-jobs';
import { StoreLayout } from '../../library/src/core/protocol/store-layout';
import { deadlineAfter } from '../../library/src/core/store/store-access';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { sweep, UNSERVED_POOL_GRACE_MS, type SweepDeps } from '../../library/src/core/use-cases/sweep';
import { sweepReport } from '../helpers/sweep-report';
import { PRODUCTION_TASKS } from '../../functions/src/tasks/production-tasks';
import { TEST_RUNS_COLLECTION, TEST_TASKS } from '../fixtures/tasks/test-tasks';
import { adminFirestore, letDispatchGracePass, readJob, type StoredJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import {
  callableRequest,
  CapturingQueue,
  emulatorAccess,
  emulatorStore,
  FailingQueue,
  inProcessDeps,
} from '../helpers/in-process';
import { createDispatchedJob, createWaitingJob, testPool } from '../helpers/queued-jobs';
import { watchUntilDone, watchUntil } from '../helpers/watch-job';

/**
 * The store of the functions, seeing of the jobs collection only `ids`: each query of the jobs is asked for every
 * match (no limit), and its answer narrowed to `ids` and then limited; a commit that writes any other job fails
 * the test.
 */
class OnlyJobsStore implements DocumentStore {
  constructor(
    private readonly inner: DocumentStore,
    private readonly jobs: string,
    private readonly ids: readonly string[],
  ) {}

  get(path: string): Promise<StoredDocument | undefined> {
    return this.inner.get(path);
  }

  getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]> {
    return this.inner.getAll(paths);
  }

  async query(query: Query): Promise<StoredDocument[]> {
    if (query.collection !== this.jobs) return this.inner.query(query);
    const { limit, ...everyMatch } = query;
    const mine = (await this.inner.query(everyMatch)).filter((doc) => this.ids.includes(doc.id));
    return limit === undefined ? mine : mine.slice(0, limit);
  }

  async count(query: Query): Promise<number> {
    if (query.collection !== this.jobs) return this.inner.count(query);
    return (await this.query(query)).length;
  }

  commit(writes: readonly Write[]): Promise<CommitResult> {
    for (const { path } of writes) {
      const [collection, id] = path.split('/');
      if (collection === this.jobs)
        assert.ok(this.ids.includes(id ?? ''), `the sweep wrote only this test's jobs, not ${path}`);
    }
    return this.inner.commit(writes);
  }

  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    return this.inner.watch(path, onChange, onError);
  }

  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe {
    return this.inner.watchMatching(path, where, onMatch, onError);
  }

  newId(): string {
    return this.inner.newId();
  }
}

/** The test suite's task types, in no pool: a sweep with them looks after no pool's slots or waiting jobs. */
class TasksWithoutPools extends TaskRegistry {
  override pools(): string[] {
    return [];
  }
}

/** The deployed functions' dependencies with the sweep seeing only `ids` of `jobs`, and no pool. */
const sweepingOnly = (ids: readonly string[]): SweepDeps => ({
  ...inProcessDeps(),
  access: emulatorAccess(config.jobsCollection, new OnlyJobsStore(emulatorStore(), config.jobsCollection, ids)),
  tasks: new TasksWithoutPools([...PRODUCTION_TASKS, ...TEST_TASKS]),
});

const NOTHING_DONE = sweepReport();

describe('recovery sweep (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  /** The collections of their own the tests made (jobs, owners, pools), deleted after the suite. */
  const ownLayouts: StoreLayout[] = [];
  after(async () => {
    const db = adminFirestore();
    for (const { jobs, owners, pools } of ownLayouts) {
      for (const collection of [jobs, owners, pools]) await db.recursiveDelete(db.collection(collection));
    }
  });

  /**
   * A jobs collection of the test's own, empty, with the deployed functions' dependencies on it and a queue that
   * keeps what the sweep publishes.
   */
  function ownCollection(overrides: Partial<SweepDeps> = {}) {
    const name = `recovery-${randomUUID()}`;
    const layout = new StoreLayout(name);
    ownLayouts.push(layout);
    const queue = new CapturingQueue();
    const deps = inProcessDeps({ access: emulatorAccess(name), queue, ...overrides });
    const read = async (id: string): Promise<StoredJob> => {
      const snap = await adminFirestore().collection(name).doc(id).get();
      assert.ok(snap.exists, `${name}/${id} exists`);
      return snap.data() as StoredJob;
    };
    /** What the owner's jobs hold, read behind the port: jobs not done (what admission counts), and held slots. */
    const holdings = async (owner: string) => {
      const db = adminFirestore();
      const notDone = db.collection(name).where('owner', '==', owner).where('done', '==', false);
      let heldSlots = 0;
      for (const pool of await db.collection(layout.pools).listDocuments()) {
        heldSlots += (await pool.collection('slots').where('held', '==', true).count().get()).data().count;
      }
      return { active: (await notDone.count().get()).data().count, heldSlots };
    };
    const deadline = () => deadlineAfter(deps.access);
    return { deps, queue, read, holdings, deadline, layout };
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

  it('resumes a job whose worker was killed mid-step at that step: the steps done are not run again', async () => {
    const created = await user.createJob({ type: 'test.crashInStep', input: {} });
    // The first attempt stores the step "first", starts "second" (its body counts the run), and its process exits.
    const running = await watchUntil(
      user.firestore,
      created.id,
      (job) => job.state === 'RUNNING' && job.steps?.includes('first') === true,
    );
    const runs = adminFirestore().collection(TEST_RUNS_COLLECTION).doc(created.id);
    const secondStarted = async () => ((await runs.get()).get('second') as number | undefined) === 1;
    while (!(await secondStarted())) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(running.steps, ['first']);
    const lease = (await readJob(created.id)).leaseExpireTime?.toMillis() ?? 0;

    assert.deepEqual(await sweep(sweepingOnly([created.id]), lease + 1), { ...NOTHING_DONE, retry: [created.id] });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED', JSON.stringify(final.error));
    assert.equal(final.attempts, 2);
    assert.deepEqual(final.result, { first: 1, second: 2, third: 2 }, 'the first step’s result is attempt 1’s');
    assert.deepEqual(final.steps, ['first', 'second', 'third']);
    assert.deepEqual(
      (await runs.get()).data(),
      { first: 1, second: 2, third: 1 },
      'each body ran once, the killed one twice',
    );
  });

  it('fails a job whose lease expired on its last attempt, with the worker-lost error, and frees what it held', async () => {
    const { deps, queue, read, holdings, deadline } = ownCollection();
    const owner = user.uid ?? '';
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type: 'sleep', input: { worktime: 1 } });
    assert.deepEqual(await holdings(owner), { active: 1, heldSlots: 1 });
    // Three claims whose workers all vanished: the last one's lease is what the sweep finds.
    let message: SentJob = sent;
    for (let n = 1; n <= 3; n++) {
      const claim = await claimJob(deps.access, id, 'sleep', message, 1, 30, deadline());
      assert.equal(claim.kind, 'claimed', `claim ${n}`);
      if (n === 3) break;
      const requeued = await requeueAttempt(deps.access, claim.attempt, WORKER_LOST, Date.now(), 30, deadline());
      assert.ok(requeued.written && requeued.value.kind === 'requeued', `requeue ${n}`);
      message = requeued.value.sent;
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
    assert.deepEqual(await holdings(owner), { active: 0, heldSlots: 0 }, 'no longer counted, and its slot given back');
    assert.deepEqual(queue.published, [], 'nothing re-published');
  });

  it('publishes again a job whose publish failed after its document was written', async () => {
    const failing = new FailingQueue();
    // createJob still answers: the job exists and holds a slot; only its message is missing.
    const created = await handleCreateJobCall(
      callableRequest(user.uid, { type: 'sleep', input: { worktime: 0 } }),
      inProcessDeps({ queue: failing }),
    );
    assert.equal(failing.attempts, 1);
    const stranded = await readJob(created.id);
    assert.equal(stranded.state, 'CREATED');
    assert.equal(stranded.waiting, false, 'it was sent: it holds a slot');
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
    const { deps, queue, read, deadline } = ownCollection();
    const owner = user.uid ?? '';
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type: 'sleep', input: { worktime: 1 } });
    assert.equal((await claimJob(deps.access, id, 'sleep', sent, 1, 30, deadline())).kind, 'claimed');
    assert.equal((await cancelJob(deps.access, owner, id, 30, deadline())).kind, 'cancel-requested');
    assert.deepEqual(await sweep(deps, Date.now() + 1000), { ...NOTHING_DONE, cancel: [id] });
    const job = await read(id);
    assert.equal(job.state, 'CANCELLED');
    assert.equal(job.error?.code, 'cancelled');
    assert.deepEqual(queue.published, [], 'nothing re-published');
  });

  it('leaves jobs alone that are healthy: just sent, running within their lease, or done', async () => {
    const { deps, queue, read, deadline } = ownCollection();
    const owner = user.uid ?? '';
    const newJob = () => createDispatchedJob(deps.access, owner, { type: 'sleep', input: { worktime: 1 } });
    const sent = await newJob();
    const running = await newJob();
    assert.equal(
      (await claimJob(deps.access, running.id, 'sleep', running.sent, 60_000, 30, deadline())).kind,
      'claimed',
    );
    const completed = await newJob();
    const completedClaim = await claimJob(deps.access, completed.id, 'sleep', completed.sent, 60_000, 30, deadline());
    assert.equal(completedClaim.kind, 'claimed');
    const durations = { queueMillis: 0, runMillis: 0 };
    const outcome = { state: 'COMPLETED', result: 'done' } as const;
    const ended = await finishAttempt(deps.access, completedClaim.attempt, outcome, 30, durations, 1, deadline());
    assert.equal(ended.written, true);
    const cancelled = await newJob();
    assert.equal((await cancelJob(deps.access, owner, cancelled.id, 30, deadline())).kind, 'cancelled');
    const ids = [sent.id, running.id, completed.id, cancelled.id];
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

  it('frees a slot whose job was deleted by hand, and sends the pool’s next waiting job into it', async () => {
    // A pool of one slot, served by the sweep's deployment: its first job takes the slot, its second waits.
    const pool = testPool();
    const [sleepTask] = PRODUCTION_TASKS.filter((task) => task.type === 'sleep');
    assert.ok(sleepTask);
    const { deps, queue, read, holdings, deadline, layout } = ownCollection({
      tasks: new TaskRegistry([{ ...sleepTask, pool }]),
      capacity: () => 1,
    });
    const owner = user.uid ?? '';
    const [first, second] = [deps.access.store.newId(), deps.access.store.newId()];
    const made = await createJobs(
      deps.access,
      owner,
      [first, second].map((id) => ({ id, type: 'sleep', input: { worktime: 1 }, pool })),
      { maxActiveJobs: 10, capacity: () => 1, deadline: deadline() },
    );
    assert.equal(made.kind, 'created');
    assert.deepEqual(
      made.jobs.map((job) => ({ sent: job.sent !== undefined, waitingIn: job.waitingIn })),
      [
        { sent: true, waitingIn: undefined },
        { sent: false, waitingIn: pool },
      ],
    );
    // An admin deletes the job that holds the slot: no end gives the slot back.
    await adminFirestore().collection(layout.jobs).doc(first).delete();
    assert.deepEqual(await holdings(owner), { active: 1, heldSlots: 1 }, 'the slot is held for nothing');

    assert.deepEqual(await sweep(deps, Date.now()), { ...NOTHING_DONE, freedSlots: 1, dispatched: 1 });
    const next = await read(second);
    assert.equal(next.state, 'CREATED');
    assert.equal(next.waiting, false);
    assert.equal(next.slot, 0, 'the waiting job holds the freed slot');
    assert.deepEqual(
      queue.published.map(({ jobId, sent }) => ({ jobId, slot: sent.slot })),
      [{ jobId: second, slot: 0 }],
    );
    assert.deepEqual(await holdings(owner), { active: 1, heldSlots: 1 });
  });

  it('ends a job of a pool no longer deployed, once it is older than the grace of a deploy', async () => {
    const { deps, read } = ownCollection();
    const owner = user.uid ?? '';
    // Waiting in a pool no task of this deployment names (its task's pool was removed or renamed).
    const { id, pool } = await createWaitingJob(deps.access, owner, { type: 'sleep', input: { worktime: 1 } });

    // A deploy runs old and new instances side by side for a while: a young job of an unknown pool is left alone.
    assert.deepEqual(await sweep(deps, Date.now()), NOTHING_DONE);
    assert.deepEqual(await sweep(deps, Date.now() + UNSERVED_POOL_GRACE_MS + 1000), {
      ...NOTHING_DONE,
      endedUnserved: [id],
    });
    const job = await read(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.waiting, false);
    assert.equal(job.error?.code, 'failed-precondition');
    assert.match(job.error?.message ?? '', new RegExp(`no worker pool "${pool}" is deployed`));
  });
});
