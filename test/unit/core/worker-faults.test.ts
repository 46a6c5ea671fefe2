/**
 * The worker when Firestore fails it, on the in-memory repository's injected faults, in simulated time: a commit
 * applied although it reported an error is recognised as the worker's own (README, "Queue and worker"), transient
 * errors are retried, and a COMPLETED end that cannot be written leaves the job RUNNING for the sweep (README,
 * "Guarantees").
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { RESULT_NOT_STORABLE } from '../../../library/src/core/worker/run-job';
import { MAX_TRIES } from '../../../library/src/adapters/memory/table-access';
import { fixedRandom, workerSimulation, type WorkerSimulation } from './worker-simulation';

/** Handler runs, as `jobId:attempt`. */
type Runs = string[];

function tasks(clock: Clock, runs: Runs) {
  return [
    /** Reports progress twice over two seconds and answers its attempt. */
    defineTask({
      type: 'test.work',
      input: z.strictObject({}),
      timeoutSeconds: 10,
      async run(_input, { jobId, attempt, progress, signal }) {
        runs.push(`${jobId}:${attempt}`);
        progress(0, 'started');
        await sleep(clock, 2000, signal);
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
    /** Returns a value Firestore cannot store. */
    defineTask({
      type: 'test.unstorable',
      input: z.strictObject({}),
      // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
      async run(_input, { jobId, attempt }) {
        runs.push(`${jobId}:${attempt}`);
        return { value: undefined };
      },
    }),
  ];
}

describe('worker under Firestore faults (simulated time)', () => {
  let sim: WorkerSimulation;
  let runs: Runs;
  fixedRandom(0.5);

  beforeEach(() => {
    runs = [];
    sim = workerSimulation((clock) => tasks(clock, runs));
  });

  it('recognises a claim applied despite its error as its own: one claim, one run, COMPLETED', async () => {
    sim.jobs.faults.failCommits('claim', 'ambiguous');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.jobs.faults.fired.length, 1);
    assert.equal(sim.jobs.commitsOf(id, 'claim').length, 1);
    assert.deepEqual(runs, [`${id}:1`]);
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 1);
    assert.equal(sim.log.of('duplicateDelivery', id).length, 0, 'the worker did not take its own claim for another');
  });

  it('claims once when the claim is ambiguous and a duplicate delivery races it', async () => {
    sim.jobs.faults.failCommits('claim', 'ambiguous');
    sim.queue.duplicateNextPublishes(1);
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.runsOf(id).length, 2);
    assert.deepEqual(runs, [`${id}:1`]);
    assert.equal(sim.job(id).attempts, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
  });

  it('recognises a terminal write applied despite its error as written', async () => {
    sim.jobs.faults.failCommits('finish', 'ambiguous');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.jobs.faults.fired.length, 1);
    assert.equal(sim.jobs.commitsOf(id, 'finish').length, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.equal(sim.log.of('jobCompleted', id).length, 1);
    assert.equal(sim.log.of('terminalWriteFailed', id).length, 0);
    assert.equal(sim.log.of('terminalWriteSkipped', id).length, 0);
  });

  it('recognises a requeue applied despite its error as written: the retry is sent once and completes', async () => {
    sim.jobs.faults.failCommits('requeue', 'ambiguous');
    const id = await sim.create('test.flaky', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.jobs.faults.fired.length, 1);
    assert.equal(sim.jobs.commitsOf(id, 'requeue').length, 1);
    assert.equal(sim.log.of('jobRetrying', id).length, 1);
    assert.equal(sim.queue.published.length, 2, 'the create and one retry');
    assert.deepEqual(runs, [`${id}:1`, `${id}:2`]);
    assert.equal(sim.job(id).state, 'COMPLETED');
  });

  it('retries transient errors of the claim, the progress writes, the end and the reads, writing each once', async () => {
    for (const operation of ['claim', 'progress', 'finish'] as const) {
      sim.jobs.faults.failCommits(operation, 'transient', { times: 2 });
    }
    sim.jobs.faults.failReads('transient', { times: 2 });
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.jobs.faults.pending, 0, 'every fault fired');
    assert.equal(sim.jobs.commitsOf(id, 'claim').length, 1);
    assert.equal(sim.jobs.commitsOf(id, 'progress').length, 2);
    assert.equal(sim.jobs.commitsOf(id, 'finish').length, 1);
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.progress, { percent: 100, message: 'finished' });
    assert.deepEqual(runs, [`${id}:1`]);
  });

  it('leaves a job RUNNING with its lease when its COMPLETED write keeps failing; the sweep retries it', async () => {
    sim.jobs.faults.failCommits('finish', 'transient', { times: MAX_TRIES });
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    const stuck = sim.job(id);
    assert.equal(stuck.state, 'RUNNING', 'not ended on a guess');
    assert.ok((stuck.leaseExpireTime ?? 0) > sim.clock.now(), 'its lease still holds');
    assert.equal(sim.log.of('terminalWriteFailed', id).length, 1);
    assert.equal(sim.log.of('jobEnded', id).length, 0, 'not ended FAILED');

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
  });

  it('fails nothing on a permanent commit error of a progress write: the job still completes', async () => {
    sim.jobs.faults.failCommits('progress', 'permanent');
    const id = await sim.create('test.work', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.log.of('progressWriteFailed', id).length, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
  });
});
