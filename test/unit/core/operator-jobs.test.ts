/**
 * The operator console's actions through the core on the in-memory store, in simulated time: an operator cancels any
 * user's job as its owner's cancel would (with the operator's words on a queued job), and retries a FAILED or
 * CANCELLED job as a NEW job for the original owner, made by the owner's own create (their limit and fair turn),
 * recording `retryOf`, while the retried job is never written again. Every refusal writes nothing. (The callables'
 * claim check is in test/unit/operator-callables.test.ts and, through the real functions, test/emulator.)
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  JobNotFoundError,
  JobStateConflictError,
  QuotaExceededError,
  ValidationError,
} from '../../../library/src/core/errors';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { TaskError } from '../../../library/src/core/tasks/task-error';
import { cancelJobAsOperator, retryJobAsOperator } from '../../../library/src/core/use-cases/operator-jobs';
import { OWNER, workerSimulation, type WorkerSimulation, type WorkerSimulationOptions } from './worker-simulation';

const OTHER = 'owner-2';

function tasks(clock: Clock) {
  return [
    defineTask({
      type: 'test.work',
      input: z.strictObject({ seconds: z.number().min(0) }),
      async run(input, { signal }) {
        await sleep(clock, input.seconds * 1000, signal);
        return 'done';
      },
    }),
    defineTask({
      type: 'test.broken',
      input: z.strictObject({ why: z.string() }),
      // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
      async run(input): Promise<never> {
        throw new TaskError('failed-precondition', input.why);
      },
    }),
  ];
}

describe('operator actions (simulated time)', () => {
  let sim: WorkerSimulation;
  const simulation = (options: WorkerSimulationOptions = {}) => (sim = workerSimulation(tasks, options));
  beforeEach(() => simulation());

  const jobCount = () => sim.store.peekCollection(sim.layout.jobs).length;

  /** A job of OWNER's that ended FAILED. */
  async function failedJob(): Promise<string> {
    const id = await sim.create('test.broken', { why: 'the disk is full' });
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'FAILED');
    return id;
  }

  describe('retry', () => {
    it('makes a new job for the owner with the same type and input, recording retryOf; the failed job is untouched', async () => {
      const id = await failedJob();
      const before = sim.job(id);
      const writesBefore = sim.writesOf(id).length;
      const retry = await retryJobAsOperator({ id }, sim.createDeps);
      assert.equal(retry.retryOf, id);
      assert.notEqual(retry.id, id);
      assert.equal(retry.type, 'test.broken');
      const made = sim.job(retry.id);
      assert.equal(made.owner, OWNER);
      assert.deepEqual(made.input, { why: 'the disk is full' });
      assert.equal(made.retryOf, id);
      assert.equal(made.attempts, 0);
      assert.deepEqual(sim.job(id), before, 'the retried job is as it ended');
      assert.equal(sim.writesOf(id).length, writesBefore, 'and was not written at all');
      await sim.clock.runUntilIdle();
      assert.equal(sim.job(retry.id).state, 'FAILED', 'the retry ran, as its own job');
    });

    it('retries a CANCELLED job, and the retry runs to COMPLETED', async () => {
      const id = await sim.create('test.work', { seconds: 5 });
      await sim.cancel(id);
      await sim.clock.runUntilIdle();
      assert.equal(sim.job(id).state, 'CANCELLED');
      const retry = await retryJobAsOperator({ id }, sim.createDeps);
      await sim.clock.runUntilIdle();
      assert.equal(sim.job(retry.id).state, 'COMPLETED');
      assert.equal(sim.job(id).state, 'CANCELLED');
    });

    it('finds the retry it made when asked again, instead of making another', async () => {
      const id = await failedJob();
      const first = await retryJobAsOperator({ id }, sim.createDeps);
      const count = jobCount();
      const again = await retryJobAsOperator({ id }, sim.createDeps);
      assert.equal(again.id, first.id);
      assert.equal(jobCount(), count);
    });

    it("applies the owner's limit of jobs not done: past it, resource-exhausted and nothing written", async () => {
      simulation({ limits: { maxActiveJobsPerUser: 1 } });
      const id = await failedJob();
      await sim.create('test.work', { seconds: 60 }); // the owner's one job not done
      const commits = sim.store.stats.commits;
      await assert.rejects(retryJobAsOperator({ id }, sim.createDeps), QuotaExceededError);
      assert.equal(sim.store.stats.commits, commits, 'nothing written');
    });

    it('takes its fair turn: with every slot busy, the retry waits behind the other owner’s waiting job', async () => {
      simulation({ capacity: 1 });
      const id = await failedJob();
      await sim.create('test.work', { seconds: 60 }, OTHER); // holds the one slot
      const waiting = await sim.create('test.work', { seconds: 1 }, OTHER); // waits first
      const retry = await retryJobAsOperator({ id }, sim.createDeps);
      assert.equal(sim.job(retry.id).waiting, true);
      assert.ok((sim.job(waiting).rank ?? 0) <= (sim.job(retry.id).rank ?? 0), 'ranked after the waiting job');
    });

    it('refuses a job that is not FAILED or CANCELLED with failed-precondition, writing nothing', async () => {
      const running = await sim.create('test.work', { seconds: 60 });
      const completed = await sim.create('test.work', { seconds: 0 });
      await sim.clock.advance(1000);
      assert.equal(sim.job(completed).state, 'COMPLETED');
      const count = jobCount();
      for (const id of [running, completed]) {
        await assert.rejects(
          retryJobAsOperator({ id }, sim.createDeps),
          (e: unknown) => e instanceof JobStateConflictError && /only a FAILED or CANCELLED job/.test(e.message),
        );
      }
      assert.equal(jobCount(), count);
    });

    it('answers not-found for a missing job and invalid-argument for a request without an id string', async () => {
      await assert.rejects(retryJobAsOperator({ id: 'no-such-job' }, sim.createDeps), JobNotFoundError);
      await assert.rejects(retryJobAsOperator({ id: 'a/b' }, sim.createDeps), JobNotFoundError);
      for (const data of [null, {}, { id: 7 }, { id: '' }]) {
        await assert.rejects(
          retryJobAsOperator(data, sim.createDeps),
          (e: unknown) => e instanceof ValidationError && e.field === 'id',
        );
      }
      assert.equal(sim.store.stats.commits, 0);
    });
  });

  describe('cancel', () => {
    it("cancels another user's queued job at once, with the operator's words", async () => {
      simulation({ autoDeliver: false });
      const id = await sim.create('test.work', { seconds: 5 }, OTHER);
      assert.deepEqual(await cancelJobAsOperator({ id }, sim.createDeps), {
        id,
        state: 'CANCELLED',
        cancelRequested: false,
      });
      assert.equal(sim.job(id).state, 'CANCELLED');
      assert.deepEqual(sim.job(id).error, { code: 'cancelled', message: 'the job was cancelled by an operator' });
      assert.deepEqual(sim.slotHolders(), [], 'its slot is given back');
    });

    it("asks another user's RUNNING job to stop, and its worker ends it CANCELLED", async () => {
      const id = await sim.create('test.work', { seconds: 10 }, OTHER);
      await sim.clock.advance(1000);
      assert.deepEqual(await cancelJobAsOperator({ id }, sim.createDeps), {
        id,
        state: 'RUNNING',
        cancelRequested: true,
      });
      await sim.clock.runUntilIdle();
      assert.equal(sim.job(id).state, 'CANCELLED');
    });

    it('refuses a done job with failed-precondition, a missing one with not-found, a bad id with invalid-argument', async () => {
      const id = await sim.create('test.work', { seconds: 0 });
      await sim.clock.runUntilIdle();
      const before = sim.job(id);
      await assert.rejects(
        cancelJobAsOperator({ id }, sim.createDeps),
        (e: unknown) => e instanceof JobStateConflictError && /already COMPLETED/.test(e.message),
      );
      assert.deepEqual(sim.job(id), before);
      await assert.rejects(cancelJobAsOperator({ id: 'no-such-job' }, sim.createDeps), JobNotFoundError);
      await assert.rejects(cancelJobAsOperator({}, sim.createDeps), ValidationError);
    });
  });
});
