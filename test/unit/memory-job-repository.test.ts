/**
 * The in-memory JobRepository: the repository contract (the suite the Firestore adapter passes on the emulator),
 * then what only the fake has. Its injected faults must be answered exactly as the Firestore adapter answers
 * Firestore's (test/unit/job-store-retry.test.ts checks the adapter's side with a stand-in Firestore), its waits
 * must run on the simulated clock, and a killed process's calls must change nothing.
 */
import assert from 'node:assert/strict';
import { DocumentWriteLog } from '../../library/src/adapters/memory/document-write-log';
import { MemoryStoreError } from '../../library/src/adapters/memory/memory-store-errors';
import { MemoryJobRepository } from '../../library/src/adapters/memory/memory-job-repository';
import { SimulatedClock } from '../../library/src/adapters/memory/simulated-clock';
import { MAX_TRIES, transientBackoffMs } from '../../library/src/adapters/memory/table-access';
import type { Job } from '../../library/src/core/job';
import { jobRepositoryContract } from '../contract/job-repository.contract';

let owners = 0;

const POOL = 'standard';
/** More slots than any test here fills. */
const CAPACITY = 100;

jobRepositoryContract('in memory', {
  setUp() {
    const clock = new SimulatedClock();
    const repository = MemoryJobRepository.create({ clock });
    return {
      repository,
      now: () => clock.now(),
      newOwner: () => `owner-${++owners}`,
      readJob: (id) => Promise.resolve(repository.peek(id)),
    };
  },
});

/** Runs the clock until nothing is pending, then answers what `work` settled with. */
async function settled<T>(clock: SimulatedClock, work: Promise<T>): Promise<T> {
  const outcome = work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await clock.runUntilIdle();
  const result = await outcome;
  if (!result.ok) throw result.error;
  return result.value;
}

describe('in-memory job repository', () => {
  let clock: SimulatedClock;
  let jobs: MemoryJobRepository;

  beforeEach(() => {
    clock = new SimulatedClock();
    jobs = MemoryJobRepository.create({ clock });
  });

  /** A new job of `owner`, waiting in POOL. */
  async function waitingJob(owner = 'u'): Promise<string> {
    const id = jobs.newJobId();
    const created = await jobs.create(
      id,
      owner,
      { type: 'sleep', input: { worktime: 1 } },
      { maxActiveJobs: 10, pool: POOL },
    );
    assert.equal(created.kind, 'created');
    return id;
  }

  /** A new job of `owner`, dispatched to a slot of POOL. */
  async function queuedJob(owner = 'u'): Promise<string> {
    const id = await waitingJob(owner);
    assert.deepEqual(await jobs.dispatchNext(POOL, CAPACITY, clock.now()), {
      kind: 'dispatched',
      jobId: id,
      type: 'sleep',
    });
    return id;
  }

  async function runningJob() {
    const id = await queuedJob();
    const claim = await jobs.claim(id, clock.now(), 60_000);
    assert.ok(claim.claimed);
    return { id, at: claim.attempt };
  }

  describe('server times and versions', () => {
    it('takes server times from the clock at the commit, and gives every write a new numeric version', async () => {
      const id = await queuedJob();
      const created = jobs.peek(id);
      assert.equal(created?.createTime, clock.now());
      const before = await jobs.read(id);
      await clock.advance(1234);
      const claim = await jobs.claim(id, clock.now(), 60_000, before);
      assert.ok(claim.claimed);
      const job = jobs.peek(id);
      assert.equal(job?.startTime, clock.now());
      assert.equal(job?.updateTime, clock.now());
      assert.equal(job?.createTime, created?.createTime);
      assert.equal(typeof claim.attempt.version, 'number');
      assert.ok((claim.attempt.version as number) > (before.version as number));
    });

    it('makes the same ids on every run with the same seed', () => {
      const ids = (seed: number) => {
        const repository = MemoryJobRepository.create({ clock, seed });
        return [repository.newJobId(), repository.newJobId()];
      };
      assert.deepEqual(ids(7), ids(7));
      assert.notDeepEqual(ids(7), ids(8));
    });
  });

  describe('copies', () => {
    it('hands every listener its own copy of the job', async () => {
      const id = await queuedJob();
      const seen: (Job | undefined)[] = [];
      const stop = jobs.watch(id, (job) => {
        seen.push(job);
        if (job) job.input.worktime = 42;
      });
      const other: (Job | undefined)[] = [];
      const stopOther = jobs.watch(id, (job) => other.push(job));
      await clock.settle();
      stop();
      stopOther();
      assert.equal(seen.length, 1);
      assert.deepEqual(other[0]?.input, { worktime: 1 });
      assert.deepEqual(jobs.peek(id)?.input, { worktime: 1 });
    });
  });

  describe('what Firestore refuses', () => {
    it('refuses for good a result Firestore cannot hold (undefined inside, a class, an array in an array)', async () => {
      for (const result of [{ a: undefined }, new Map([[1, 2]]), [[1]], { f: () => 1 }]) {
        const { id, at } = await runningJob();
        const refused = jobs.finish(at, { state: 'COMPLETED', result }, clock.now(), 30);
        await assert.rejects(refused, (e: unknown) => e instanceof MemoryStoreError && e.code === 'invalid-argument');
        await refused.catch((e: unknown) => assert.equal(jobs.isTransientError(e), false));
        assert.equal(jobs.peek(id)?.state, 'RUNNING', 'nothing written');
      }
    });

    it('refuses for good a document over 1 MiB', async () => {
      const { id, at } = await runningJob();
      const result = 'x'.repeat(1_100_000);
      await assert.rejects(jobs.finish(at, { state: 'COMPLETED', result }, clock.now(), 30), /limit is 1 MiB/);
      assert.equal(jobs.peek(id)?.state, 'RUNNING');
    });
  });

  describe('injected faults, answered as the Firestore adapter answers Firestore', () => {
    it('claims after a transient commit error that was not applied, by reading again and retrying', async () => {
      const id = await queuedJob();
      jobs.faults.failCommits('claim', 'transient');
      const claim = await settled(clock, jobs.claim(id, clock.now(), 1000));
      assert.equal(claim.claimed, true);
      assert.equal(jobs.commitsOf(id, 'claim').length, 1);
      assert.equal(jobs.peek(id)?.attempts, 1);
      assert.deepEqual(jobs.faults.fired, [{ kind: 'commit', operation: 'claim', jobId: id, fault: 'transient' }]);
    });

    it('knows its own claim applied despite an ambiguous commit by its claimId, and claims once', async () => {
      const id = await queuedJob();
      jobs.faults.failCommits('claim', 'ambiguous');
      const claim = await settled(clock, jobs.claim(id, clock.now(), 1000));
      assert.ok(claim.claimed);
      assert.equal(claim.attempt.attempt, 1);
      assert.equal(jobs.commitsOf(id, 'claim').length, 1, 'no second claim');
      assert.equal(jobs.peek(id)?.attempts, 1);
      assert.equal(claim.attempt.version, (await jobs.read(id)).version, 'fenced by the applied write');
    });

    it('never runs a job twice: of two claims, one committed ambiguously, one holds the job', async () => {
      const id = await queuedJob();
      const seen = await jobs.read(id);
      jobs.faults.failCommits('claim', 'ambiguous');
      const claims = await settled(clock, Promise.all([jobs.claim(id, 1, 1000, seen), jobs.claim(id, 1, 1000, seen)]));
      assert.equal(claims.filter((c) => c.claimed).length, 1);
      assert.equal(jobs.peek(id)?.attempts, 1);
    });

    it('counts a terminal write applied despite an ambiguous commit as written, and writes it once', async () => {
      const { id, at } = await runningJob();
      jobs.faults.failCommits('finish', 'ambiguous');
      const result = await settled(clock, jobs.finish(at, { state: 'COMPLETED', result: 42 }, clock.now(), 30));
      assert.deepEqual(result, { written: true, state: 'COMPLETED' });
      assert.equal(at.ended, true);
      assert.equal(jobs.commitsOf(id, 'finish').length, 1);
      assert.equal(jobs.peek(id)?.result, 42);
    });

    it('counts a requeue applied despite an ambiguous commit as written, by its dispatch time', async () => {
      const { id, at } = await runningJob();
      jobs.faults.failCommits('requeue', 'ambiguous');
      const dispatchAt = clock.now() + 7000;
      const result = await settled(clock, jobs.requeue(at, { code: 'unavailable', message: 'x' }, dispatchAt));
      assert.deepEqual(result, { written: true, state: 'CREATED' });
      assert.equal(jobs.commitsOf(id, 'requeue').length, 1);
      assert.equal(jobs.peek(id)?.dispatchTime, dispatchAt);
    });

    it('retries a progress write after a transient error and writes it once', async () => {
      const { id, at } = await runningJob();
      jobs.faults.failCommits('progress', 'transient', { jobId: id });
      const result = await settled(clock, jobs.writeProgress(at, { percent: 5 }));
      assert.deepEqual(result, { written: true, state: 'RUNNING' });
      assert.deepEqual(jobs.peek(id)?.progress, { percent: 5 });
      assert.equal(jobs.commitsOf(id, 'progress').length, 1);
    });

    it('fails only the job a fault names', async () => {
      const { id } = await runningJob();
      const other = await runningJob();
      jobs.faults.failCommits('progress', 'permanent', { jobId: id });
      assert.equal((await jobs.writeProgress(other.at, { percent: 1 })).written, true);
      assert.equal(jobs.faults.pending, 1);
    });

    it('writes through transient commit errors with the adapter’s backoff on the clock, and gives up after MAX_TRIES', async () => {
      const done = await runningJob();
      jobs.faults.failCommits('finish', 'transient', { times: MAX_TRIES - 1 });
      const start = clock.now();
      const written = await settled(clock, jobs.finish(done.at, { state: 'COMPLETED', result: 'ok' }, start, 30));
      assert.equal(written.written, true);
      const waited = Array.from({ length: MAX_TRIES - 1 }, (_, i) => transientBackoffMs(i + 1));
      assert.equal(
        clock.now() - start,
        waited.reduce((a, b) => a + b, 0),
      );

      const stuck = await runningJob();
      jobs.faults.failCommits('finish', 'transient', { times: MAX_TRIES });
      const failing = settled(clock, jobs.finish(stuck.at, { state: 'COMPLETED', result: 'ok' }, clock.now(), 30));
      await assert.rejects(failing, (e: unknown) => jobs.isTransientError(e));
      assert.equal(jobs.peek(stuck.id)?.state, 'RUNNING', 'left RUNNING with its lease');
      assert.equal(stuck.at.ended, undefined);
    });

    it('does not retry a permanent commit error', async () => {
      const { id, at } = await runningJob();
      jobs.faults.failCommits('progress', 'permanent');
      await assert.rejects(jobs.writeProgress(at, { percent: 5 }), (e: unknown) => !jobs.isTransientError(e));
      assert.equal(jobs.commitsOf(id, 'progress').length, 0);
    });

    it('reads again after transient read errors, then claims', async () => {
      const id = await queuedJob();
      const reads = jobs.readCount;
      jobs.faults.failReads('transient', { times: 2 });
      const claim = await settled(clock, jobs.claim(id, clock.now(), 1000));
      assert.equal(claim.claimed, true);
      assert.equal(jobs.readCount - reads, 3);
    });

    it('does not retry a read that retrying cannot mend', async () => {
      const id = await queuedJob();
      jobs.faults.failReads('permanent');
      await assert.rejects(
        jobs.read(id),
        (e: unknown) => e instanceof MemoryStoreError && e.code === 'permission-denied',
      );
      assert.equal(jobs.faults.pending, 0);
    });

    it('runs a transaction again after a transient commit error (the owner’s cancel)', async () => {
      const id = await queuedJob('owner');
      jobs.faults.failCommits('cancel', 'transient');
      const result = await settled(clock, jobs.cancel(id, 'owner', clock.now(), 30));
      assert.equal(result.kind, 'cancelled');
      assert.equal(jobs.peek(id)?.state, 'CANCELLED');
    });

    it('runs a transaction again on the job as an ambiguous commit left it, as runTransaction does', async () => {
      // The cancel was applied, its answer lost; the transaction's second run finds the job already cancelled.
      const id = await queuedJob('owner');
      jobs.faults.failCommits('cancel', 'ambiguous');
      const result = await settled(clock, jobs.cancel(id, 'owner', clock.now(), 30));
      assert.deepEqual(result, { kind: 'already-done', state: 'CANCELLED' });
      assert.equal(jobs.commitsOf(id, 'cancel').length, 1);
    });

    it('runs a create’s admission step again after a transient commit error, and counts the job once', async () => {
      const id = jobs.newJobId();
      jobs.faults.failCommits('create', 'transient');
      const created = await settled(
        clock,
        jobs.create(id, 'u', { type: 'sleep', input: {} }, { maxActiveJobs: 10, pool: POOL }),
      );
      assert.deepEqual(created, { kind: 'created' });
      assert.equal(jobs.commitsOf(id, 'create').length, 1);
      assert.equal(jobs.admissionCount('u'), 1);
    });

    it('creates nothing and counts nothing when a create’s commit is refused for good', async () => {
      const id = jobs.newJobId();
      jobs.faults.failCommits('create', 'permanent');
      await assert.rejects(
        jobs.create(id, 'u', { type: 'sleep', input: {} }, { maxActiveJobs: 10, pool: POOL }),
        (e: unknown) => !jobs.isTransientError(e),
      );
      assert.equal(jobs.peek(id), undefined);
      assert.equal(jobs.admissionCount('u'), 0);
    });
  });

  describe('injected faults of fair scheduling’s commits', () => {
    it('dispatches once after a transient commit error of the dispatch, as runTransaction retries it', async () => {
      const id = await waitingJob();
      jobs.faults.failCommits('dispatch', 'transient');
      const result = await settled(clock, jobs.dispatchNext(POOL, 1, clock.now()));
      assert.deepEqual(result, { kind: 'dispatched', jobId: id, type: 'sleep' });
      assert.equal(jobs.commitsOf(id, 'dispatch').length, 1);
      assert.deepEqual(jobs.slotHolders(POOL), [id]);
    });

    it('after an ambiguous dispatch, runs the step again: the next job is dispatched too, the first left unsent', async () => {
      const first = await waitingJob();
      const second = await waitingJob();
      jobs.faults.failCommits('dispatch', 'ambiguous');
      const result = await settled(clock, jobs.dispatchNext(POOL, 2, clock.now()));
      assert.deepEqual(result, { kind: 'dispatched', jobId: second, type: 'sleep' });
      // The first holds its slot with a dispatch time and no message: the sweep sends it after the grace.
      assert.equal(jobs.peek(first)?.waiting, false);
      assert.deepEqual((await jobs.queuedBefore(clock.now() + 1, 10)).sort(), [first, second].sort());
    });

    it('never dispatches for a killed process', async () => {
      const id = await waitingJob();
      const process = clock.process();
      let answered = false;
      void jobs
        .forProcess(process)
        .dispatchNext(POOL, 1, clock.now())
        .finally(() => (answered = true));
      process.kill();
      await clock.runUntilIdle();
      assert.equal(answered, false);
      assert.equal(jobs.peek(id)?.waiting, true);
      assert.equal(jobs.commitsOf(id, 'dispatch').length, 0);
    });

    it('counts a create applied despite an ambiguous commit as created, and counts it once', async () => {
      const id = jobs.newJobId();
      jobs.faults.failCommits('create', 'ambiguous');
      const created = await settled(
        clock,
        jobs.create(id, 'u', { type: 'sleep', input: {} }, { maxActiveJobs: 10, pool: POOL }),
      );
      assert.deepEqual(created, { kind: 'created' });
      assert.equal(jobs.commitsOf(id, 'create').length, 1);
      assert.equal(jobs.admissionCount('u'), 1);
    });

    it('counts a wait place taken despite an ambiguous commit as taken', async () => {
      jobs.faults.failCommits('wait', 'ambiguous');
      const now = clock.now();
      assert.equal(await settled(clock, jobs.acquireWait('u', 't', now, now + 1000, 1)), true);
      assert.equal(jobs.waitPlaces('u').size, 1);
    });

    it('takes a wait place after a transient commit error, once', async () => {
      jobs.faults.failCommits('wait', 'transient', { jobId: 'u' });
      const now = clock.now();
      assert.equal(await settled(clock, jobs.acquireWait('u', 't', now, now + 1000, 1)), true);
      assert.deepEqual([...jobs.waitPlaces('u')], [['t', now + 1000]]);
      assert.equal(jobs.commitsOf('u', 'wait').length, 1);
    });
  });

  describe('scheduling views', () => {
    it('shows the fair queue in order, the frontier, the slots held and the owners’ counts as they stand', async () => {
      const a = [await waitingJob('a'), await waitingJob('a'), await waitingJob('a')];
      const b = await waitingJob('b');
      assert.deepEqual(
        jobs.waitingIds(POOL).map((id) => jobs.peek(id)?.rank),
        [0, 0, 1, 2],
      );
      assert.deepEqual(jobs.waitingIds(POOL).slice(2), [a[1], a[2]]);
      assert.equal(jobs.frontier(POOL), 0);
      const [first, second, third] = jobs.waitingIds(POOL);
      assert.deepEqual(new Set([first, second]), new Set([a[0], b]), 'b’s only job ties a’s first at the frontier');
      for (let n = 0; n < 3; n++) await jobs.dispatchNext(POOL, 3, clock.now());
      assert.deepEqual(await jobs.dispatchNext(POOL, 3, clock.now()), { kind: 'no-free-slot' });
      assert.deepEqual(jobs.waitingIds(POOL), [a[2]]);
      assert.equal(jobs.frontier(POOL), 1, 'a’s second job, rank 1, went third');
      assert.deepEqual(new Set(jobs.slotHolders(POOL)), new Set([first, second, third]), 'three slots, all held');
      assert.equal(jobs.admissionCount('a'), 3);
      assert.equal(jobs.admissionCount('b'), 1);
      assert.equal(
        [...jobs.admissionShards('a').values()].reduce((sum, n) => sum + n, 0),
        3,
      );
    });
  });

  describe('document writes', () => {
    it('records every document a commit writes, with its time: the job, the admission shard, the slot', async () => {
      const id = await waitingJob();
      const shard = jobs.peek(id)?.admissionShard as number;
      const documents = (operation: string) => jobs.commits.find((c) => c.operation === operation)?.documents;
      const shardPath = `jobOwners/u/admission/${shard}`;
      assert.equal(jobs.paths.admissionShard('u', shard), shardPath, 'named as the Firestore adapter names it');
      assert.deepEqual(documents('create'), [`jobs/${id}`, shardPath]);
      await jobs.dispatchNext(POOL, 1, clock.now());
      const slotPath = `jobPools/${POOL}/slots/0`;
      assert.deepEqual(documents('dispatch'), [`jobs/${id}`, slotPath]);
      await clock.advance(1000);
      const claim = await jobs.claim(id, clock.now(), 60_000);
      assert.ok(claim.claimed);
      assert.deepEqual(documents('claim'), [`jobs/${id}`]);
      await clock.advance(1000);
      await jobs.finish(claim.attempt, { state: 'COMPLETED', result: 1 }, clock.now(), 30);
      assert.deepEqual(documents('finish'), [`jobs/${id}`, shardPath, slotPath]);
      const start = clock.now() - 2000;
      assert.deepEqual(jobs.writes.timesOf(`jobs/${id}`), [start, start, start + 1000, start + 2000]);
      assert.deepEqual(jobs.writes.timesOf(slotPath), [start, start + 2000]);
      await jobs.acquireWait('u', 't', clock.now(), clock.now() + 1000, 1);
      assert.deepEqual(jobs.writes.timesOf('jobOwners/u'), [clock.now()]);
      assert.equal(jobs.writes.count, 4 + 2 + 2 + 1);
    });

    it('finds the document written most within a window of time', () => {
      const log = new DocumentWriteLog();
      for (const time of [0, 100, 900, 1000, 1500]) log.record('a', time);
      for (const time of [2000, 2000]) log.record('b', time);
      assert.deepEqual(log.busiest(1000), { path: 'a', writes: 3, from: 0 });
      assert.deepEqual(log.busiest(1001), { path: 'a', writes: 4, from: 0 });
      assert.deepEqual(
        log.busiest(1000, (path) => path === 'b'),
        { path: 'b', writes: 2, from: 2000 },
      );
      assert.deepEqual(
        log.countsByPath(),
        new Map([
          ['a', 5],
          ['b', 2],
        ]),
      );
      assert.deepEqual(log.timesByPath().get('b'), [2000, 2000]);
      assert.equal(log.count, 7);
      assert.equal(new DocumentWriteLog().busiest(1000), undefined);
    });
  });

  describe('a killed process', () => {
    it('gets no answer to a call in flight, and its retry after the kill writes nothing', async () => {
      const { id, at } = await runningJob();
      const process = clock.process();
      jobs.faults.failCommits('finish', 'transient');
      let answered = false;
      void jobs
        .forProcess(process)
        .finish(at, { state: 'COMPLETED', result: 'late' }, clock.now(), 30)
        .finally(() => (answered = true));
      await clock.settle(); // the first commit fails; the retry waits on the process's clock
      process.kill();
      await clock.runUntilIdle();
      assert.equal(answered, false);
      assert.equal(jobs.peek(id)?.state, 'RUNNING');
      assert.equal(jobs.commitsOf(id, 'finish').length, 0);
    });

    it('hears nothing more from its listeners, and its new calls never answer', async () => {
      const id = await queuedJob('owner');
      const process = clock.process();
      const view = jobs.forProcess(process);
      const seen: (string | undefined)[] = [];
      view.watch(id, (job) => seen.push(job?.state));
      await clock.settle();
      process.kill();
      await jobs.cancel(id, 'owner', clock.now(), 30);
      let answered = false;
      void view.get(id).then(() => (answered = true));
      await clock.runUntilIdle();
      assert.deepEqual(seen, ['CREATED']);
      assert.equal(answered, false);
    });
  });

  describe('scale', () => {
    it('answers the sweep’s queries and an owner’s list among 10,000 jobs from its indexes', async () => {
      const owners = ['a', 'b', 'c', 'd'];
      const admission = { maxActiveJobs: 10_000, pool: POOL };
      for (let n = 0; n < 10_000; n++) {
        await jobs.create(jobs.newJobId(), owners[n % owners.length], { type: 'sleep', input: {} }, admission);
      }
      for (let n = 0; n < 300; n++) assert.equal((await jobs.dispatchNext(POOL, 300, clock.now())).kind, 'dispatched');
      const [first] = jobs.slotHolders(POOL);
      assert.ok(first);
      assert.ok((await jobs.claim(first, clock.now(), 60_000)).claimed);
      await clock.advance(120_000);
      const started = performance.now();
      assert.deepEqual(await jobs.leaseExpiredBefore(clock.now(), 10), [first]);
      assert.equal((await jobs.queuedBefore(clock.now(), 200)).length, 200);
      assert.equal((await jobs.listByOwner('a', 20)).jobs.length, 20);
      assert.ok(performance.now() - started < 1000, 'the queries take well under a second');
    });

    it('takes 30,000 jobs of 100 owners through create, dispatch, claim and finish in a few seconds', async () => {
      const admission = { maxActiveJobs: 1_000, pool: POOL };
      const started = performance.now();
      for (let n = 0; n < 30_000; n++) {
        const created = await jobs.create(jobs.newJobId(), `owner-${n % 100}`, { type: 'sleep', input: {} }, admission);
        assert.equal(created.kind, 'created');
      }
      let done = 0;
      for (;;) {
        const dispatched = await jobs.dispatchNext(POOL, 50, clock.now());
        if (dispatched.kind !== 'dispatched') break;
        const claim = await jobs.claim(dispatched.jobId, clock.now(), 60_000);
        assert.ok(claim.claimed);
        assert.equal(
          (await jobs.finish(claim.attempt, { state: 'COMPLETED', result: 1 }, clock.now(), 30)).written,
          true,
        );
        done += 1;
      }
      assert.equal(done, 30_000);
      assert.equal(jobs.admissionCount('owner-7'), 0, 'every end gave its room back');
      assert.ok(
        jobs.slotHolders(POOL).every((holder) => holder === undefined),
        'and its slot',
      );
      // Linear work takes a few seconds; a scan of the jobs in any of these steps would take minutes.
      assert.ok(performance.now() - started < 20_000, `took ${Math.round(performance.now() - started)} ms`);
    });
  });
});
