/**
 * The in-memory JobRepository: the repository contract (the suite the Firestore adapter passes on the emulator),
 * then what only the fake has. Its injected faults must be answered exactly as the Firestore adapter answers
 * Firestore's (test/unit/job-store-retry.test.ts checks the adapter's side with a stand-in Firestore), its waits
 * must run on the simulated clock, and a killed process's calls must change nothing.
 */
import assert from 'node:assert/strict';
import { MemoryStoreError } from '../../functions/src/adapters/memory/memory-store-errors';
import { MemoryJobRepository } from '../../functions/src/adapters/memory/memory-job-repository';
import { SimulatedClock } from '../../functions/src/adapters/memory/simulated-clock';
import { MAX_TRIES, transientBackoffMs } from '../../functions/src/adapters/memory/table-access';
import type { Job } from '../../functions/src/core/job';
import { jobRepositoryContract } from '../contract/job-repository.contract';

let owners = 0;

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

  async function queuedJob(owner = 'u'): Promise<string> {
    const id = jobs.newJobId();
    assert.equal((await jobs.create(id, owner, { type: 'sleep', input: { worktime: 1 } }, 10)).kind, 'created');
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

    it('fails a create with a transient error as the adapter does (not retried, nothing written)', async () => {
      const id = jobs.newJobId();
      jobs.faults.failCommits('create', 'transient');
      await assert.rejects(jobs.create(id, 'u', { type: 'sleep', input: {} }, 10), (e: unknown) =>
        jobs.isTransientError(e),
      );
      assert.equal(jobs.peek(id), undefined);
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
      for (let n = 0; n < 10_000; n++) {
        await jobs.create(jobs.newJobId(), owners[n % owners.length], { type: 'sleep', input: {} }, 10_000);
      }
      const running = await runningJob();
      await clock.advance(120_000);
      const started = performance.now();
      assert.deepEqual(await jobs.leaseExpiredBefore(clock.now(), 10), [running.id]);
      assert.equal((await jobs.queuedBefore(clock.now(), 200)).length, 200);
      assert.equal((await jobs.listByOwner('a', 20)).jobs.length, 20);
      assert.ok(performance.now() - started < 1000, 'the queries take well under a second');
    });
  });
});
