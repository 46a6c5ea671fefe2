/**
 * The worker when Firestore fails it, on the in-memory document store with injected faults (FaultyDocumentStore),
 * in simulated time: a commit applied although it reported an error is recognised as the worker's own
 * (docs/protocol.md, "Queue and worker"), transient errors are retried, a permanent error of a progress write fails nothing, a result
 * the store refuses for good ends the job FAILED with a message of its own, and a COMPLETED end that cannot be
 * written by the invocation's deadline leaves the job RUNNING for the sweep (docs/protocol.md, "Guarantees").
 *
 * Ported from the JobRepository version: faults are rules on the store's commits, told apart by the fields the
 * commit writes (jobCommitKind), and writes are counted from the store's commits (`writesOf`).
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { RESULT_NOT_STORABLE } from '../../../library/src/core/worker/run-delivery';
import {
  changesProgress,
  INVOCATION_TIMEOUT_MS,
  isClaim,
  isEnd,
  isRequeue,
  jobCommitKind,
  workerSimulation,
  type JobCommitKind,
  type WorkerSimulation,
} from './worker-simulation';

/** Handler runs, as `jobId:attempt`. */
type Runs = string[];

function tasks(clock: Clock, runs: Runs) {
  return [
    /** Reports progress twice over three seconds (the first report written 2 s in) and answers its attempt. */
    defineTask({
      type: 'test.work',
      input: z.strictObject({}),
      timeoutSeconds: 10,
      async run(_input, { jobId, attempt, progress, signal }) {
        runs.push(`${jobId}:${attempt}`);
        progress(0, 'started');
        await sleep(clock, 3000, signal);
        progress(100, 'finished');
        return `done on attempt ${attempt}`;
      },
    }),
    /** Fails transiently on its first attempt. */
    defineTask({
      type: 'test.flaky',
      input: z.strictObject({}),
      retry: { initialBackoffMs: 4000 },
      // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
      async run(_input, { jobId, attempt }) {
        runs.push(`${jobId}:${attempt}`);
        if (attempt === 1) throw new Error('flaky');
        return `done on attempt ${attempt}`;
      },
    }),
    /** Returns a value Firestore cannot store, typed `unknown` as a JavaScript app's is (see StorableResult). */
    defineTask({
      type: 'test.unstorable',
      input: z.strictObject({}),
      // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
      async run(_input, { jobId, attempt }): Promise<unknown> {
        runs.push(`${jobId}:${attempt}`);
        return { value: undefined };
      },
    }),
  ];
}

describe('worker under Firestore faults (simulated time)', () => {
  let sim: WorkerSimulation;
  let runs: Runs;

  beforeEach(() => {
    runs = [];
    sim = workerSimulation((clock) => tasks(clock, runs));
  });

  /** Fails the next `times` commits of `kind` with `fault`. */
  function failCommits(kind: JobCommitKind, fault: 'transient' | 'ambiguous' | 'permanent', times = 1): void {
    sim.faults.fail({ call: 'commit', fault, times, where: (call) => jobCommitKind(call.writes) === kind });
  }

  it('recognises a claim applied despite its error as its own: one claim, one run, COMPLETED', async () => {
    failCommits('claim', 'ambiguous');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.faults.fired.length, 1);
    assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    assert.deepEqual(runs, [`${id}:1`]);
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 1);
    assert.equal(sim.log.of('duplicateDelivery', id).length, 0, 'the worker did not take its own claim for another');
  });

  it('claims once when the claim is ambiguous and a duplicate delivery races it', async () => {
    failCommits('claim', 'ambiguous');
    sim.queue.duplicateNextPublishes(1);
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.runsOf(id).length, 2);
    assert.deepEqual(runs, [`${id}:1`]);
    assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    assert.equal(sim.job(id).attempts, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
  });

  it('recognises a terminal write applied despite its error as written', async () => {
    failCommits('end', 'ambiguous');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.faults.fired.length, 1);
    assert.equal(sim.writesOf(id).filter(isEnd).length, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.equal(sim.log.of('jobCompleted', id).length, 1);
    assert.equal(sim.log.of('terminalWriteFailed', id).length, 0);
    assert.equal(sim.log.of('terminalWriteSkipped', id).length, 0);
    assert.deepEqual(sim.slotHolders(), [], 'the slot was given back with it');
  });

  it('recognises a requeue applied despite its error as written: the retry is sent once and completes', async () => {
    failCommits('requeue', 'ambiguous');
    const id = await sim.create('test.flaky', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.faults.fired.length, 1);
    assert.equal(sim.writesOf(id).filter(isRequeue).length, 1);
    assert.equal(sim.log.of('jobRetrying', id).length, 1);
    assert.equal(sim.queue.published.length, 2, 'the create and one retry');
    assert.deepEqual(runs, [`${id}:1`, `${id}:2`]);
    assert.equal(sim.job(id).state, 'COMPLETED');
  });

  it('retries transient errors of the claim, the progress writes, the end and the reads, writing each once', async () => {
    for (const kind of ['claim', 'progress', 'end'] as const) failCommits(kind, 'transient', 2);
    sim.faults.fail({ call: 'get', fault: 'transient', times: 2 });
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.faults.pending, 0, 'every fault fired');
    assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    assert.equal(sim.writesOf(id).filter(changesProgress).length, 2);
    assert.equal(sim.writesOf(id).filter(isEnd).length, 1);
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.progress, { percent: 100, message: 'finished' });
    assert.deepEqual(runs, [`${id}:1`]);
  });

  it('keeps the lease while its COMPLETED write fails, and leaves the job RUNNING for the sweep at the invocation’s deadline', async () => {
    failCommits('end', 'transient', 1_000_000);
    const id = await sim.create('test.work', {});
    const start = sim.clock.now();
    await sim.clock.runUntil(() => sim.log.of('terminalWriteFailed', id).length > 0, {
      limitMs: INVOCATION_TIMEOUT_MS,
    });
    const stuck = sim.job(id);
    assert.equal(stuck.state, 'RUNNING', 'not ended on a guess');
    assert.ok((stuck.leaseExpireTime ?? 0) > sim.clock.now(), 'its lease still holds');
    assert.ok(sim.clock.now() - start > INVOCATION_TIMEOUT_MS - 60_000, 'it tried until near its deadline');
    assert.equal(sim.log.of('jobEnded', id).length, 0, 'not ended FAILED');
    assert.deepEqual(runs, [`${id}:1`]);

    sim.faults.clear(); // the store answers again
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'RUNNING', 'nothing writes it until the sweep');
    await sim.clock.advanceTo((stuck.leaseExpireTime ?? 0) + 1);
    assert.deepEqual((await sim.sweep()).retry, [id]);
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.result, 'done on attempt 2');
    assert.deepEqual(runs, [`${id}:1`, `${id}:2`], 'the handler ran again: at least once');
  });

  it('ends a job FAILED with a message of its own when Firestore refuses the result for good', async () => {
    const id = await sim.create('test.unstorable', {});
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.deepEqual(job.error, RESULT_NOT_STORABLE);
    assert.equal(job.result, undefined);
    assert.deepEqual(sim.slotHolders(), []);
  });

  it('ends a job FAILED with a message of its own when its COMPLETED write is refused for good', async () => {
    failCommits('end', 'permanent');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.deepEqual(job.error, RESULT_NOT_STORABLE);
    assert.deepEqual(runs, [`${id}:1`]);
  });

  it('fails nothing on a permanent commit error of a progress write, and logs it: the job still completes', async () => {
    failCommits('progress', 'permanent');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.faults.pending, 0);
    assert.equal(sim.log.of('progressWriteFailed', id).length, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.deepEqual(sim.job(id).progress, { percent: 100, message: 'finished' });
  });

  it('fails nothing on a permanent read error of the claim’s fallback read: the next delivery claims the job', async () => {
    // The claim's fenced write fails for now, and the read that decides again is refused for good.
    failCommits('claim', 'transient');
    sim.faults.fail({ call: 'get', fault: 'permanent' });
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.ok(sim.runsOf(id)[0]?.error, 'the delivery failed, so Pub/Sub delivers it again');
    assert.equal(sim.job(id).state, 'CREATED');
    assert.deepEqual(runs, []);
    const [message] = sim.queue.published;
    assert.ok(message);
    const again = sim.deliver(message);
    await sim.clock.runUntilIdle();
    await again;
    assert.equal(sim.job(id).state, 'COMPLETED');
  });
});
