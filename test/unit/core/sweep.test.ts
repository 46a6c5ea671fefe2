/**
 * The recovery sweep (core/use-cases/sweep.ts) with the worker on the in-memory repository and queue, in simulated
 * time: a lost message is sent again after the dispatch grace, and a job whose worker died mid-job stays RUNNING
 * until its lease lapses, when the sweep retries it, fails it on its last attempt, or cancels it for its owner
 * (README, "Crash recovery").
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { WORKER_LOST, CANCELLED_BY_OWNER } from '../../../library/src/core/job';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { DISPATCH_GRACE_MS, fixedRandom, workerSimulation, type WorkerSimulation } from './worker-simulation';

const TIME_LIMIT_SECONDS = 30;

/** Which attempts a handler started, by job. */
type Started = Map<string, number[]>;

function tasks(clock: Clock, started: Started) {
  /** Reports progress every second for `seconds`, then answers which attempt completed. */
  const long = (type: string, maxAttempts: number) =>
    defineTask({
      type,
      input: z.strictObject({ seconds: z.number().int().min(1) }),
      timeoutSeconds: TIME_LIMIT_SECONDS,
      retry: { maxAttempts },
      async run(input, { jobId, attempt, progress, signal }) {
        started.set(jobId, [...(started.get(jobId) ?? []), attempt]);
        for (let second = 1; second <= input.seconds; second++) {
          await sleep(clock, 1000, signal);
          progress((second / input.seconds) * 100);
        }
        return `completed on attempt ${attempt}`;
      },
    });
  return [long('test.long', 3), long('test.once', 1)];
}

describe('recovery sweep (simulated time)', () => {
  let sim: WorkerSimulation;
  let started: Started;
  fixedRandom(0.5);

  beforeEach(() => {
    started = new Map();
    sim = workerSimulation((clock) => tasks(clock, started));
  });

  const grace = DISPATCH_GRACE_MS;

  for (const loss of ['reject', 'drop'] as const) {
    it(`sends again a job whose publish was lost (${loss}) once the dispatch grace has passed; it then completes`, async () => {
      sim.queue.loseNextPublishes(1, loss);
      const id = await sim.create('test.long', { seconds: 2 });
      const createdAt = sim.clock.now();
      assert.equal(sim.log.of('publishFailed', id).length, loss === 'reject' ? 1 : 0);
      await sim.clock.runUntilIdle();
      assert.equal(sim.job(id).state, 'CREATED', 'no worker heard of it');

      await sim.clock.advanceTo(createdAt + grace);
      assert.deepEqual((await sim.sweep()).republish, [], 'within the grace its message may still come');
      await sim.clock.advance(1);
      const report = await sim.sweep();
      assert.deepEqual(report, { republish: [id], retry: [], fail: [], cancel: [], dispatched: 0 });
      assert.equal(sim.job(id).dispatchTime, sim.clock.now());
      await sim.clock.runUntilIdle();
      const job = sim.job(id);
      assert.equal(job.state, 'COMPLETED');
      assert.equal(job.attempts, 1);
      assert.deepEqual(started.get(id), [1]);
    });
  }

  /** Creates a job and kills its worker once the handler has reported `percent`; answers the job's id and lease. */
  async function killedMidJob(type: string): Promise<{ id: string; lease: number }> {
    const id = await sim.create(type, { seconds: 10 });
    await sim.clock.runUntil(() => (sim.job(id).progress?.percent ?? 0) >= 30);
    const [run] = sim.runsOf(id);
    assert.ok(run);
    run.process.kill();
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'RUNNING', 'the dead worker left it RUNNING');
    assert.equal(job.progress?.percent, 30, 'and wrote nothing after its death');
    const lease = job.leaseExpireTime ?? 0;
    // Killed before its first renewal: the lease is the claim's, whatever the task's time limit.
    assert.equal(lease, (job.startTime ?? 0) + sim.timings.leaseMs);
    return { id, lease };
  }

  it('leaves a job whose worker was killed RUNNING until its lease lapses, then retries it: COMPLETED on attempt 2', async () => {
    const { id, lease } = await killedMidJob('test.long');
    await sim.clock.advanceTo(lease);
    assert.deepEqual(
      await sim.sweep(),
      { republish: [], retry: [], fail: [], cancel: [], dispatched: 0 },
      'its worker may live',
    );
    assert.equal(sim.job(id).state, 'RUNNING');

    await sim.clock.advance(1);
    assert.deepEqual((await sim.sweep()).retry, [id]);
    const queued = sim.job(id);
    assert.equal(queued.state, 'CREATED');
    assert.deepEqual(queued.error, WORKER_LOST);
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 2);
    assert.equal(job.result, 'completed on attempt 2');
    assert.deepEqual(started.get(id), [1, 2]);
  });

  it('fails a job whose worker was killed on its last attempt, with the worker-lost error', async () => {
    const { id, lease } = await killedMidJob('test.once');
    await sim.clock.advanceTo(lease + 1);
    assert.deepEqual(await sim.sweep(), { republish: [], retry: [], fail: [id], cancel: [], dispatched: 0 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.error, WORKER_LOST);
    assert.equal(sim.queue.published.length, 1, 'not sent again');
  });

  it('cancels a job whose worker was killed after its owner asked to cancel it', async () => {
    const { id, lease } = await killedMidJob('test.long');
    assert.deepEqual(await sim.cancel(id), { id, state: 'RUNNING', cancelRequested: true });
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'RUNNING', 'no live worker heard the request');
    await sim.clock.advanceTo(lease + 1);
    assert.deepEqual(await sim.sweep(), { republish: [], retry: [], fail: [], cancel: [id], dispatched: 0 });
    const job = sim.job(id);
    assert.equal(job.state, 'CANCELLED');
    assert.deepEqual(job.error, CANCELLED_BY_OWNER);
    assert.deepEqual(started.get(id), [1]);
  });

  it('leaves alone jobs queued within the grace, running within their lease, and done', async () => {
    sim = workerSimulation((clock) => tasks(clock, started), { autoDeliver: false });
    const createdAt = sim.clock.now();
    const done = await sim.create('test.long', { seconds: 1 });
    const running = await sim.create('test.long', { seconds: 20 });
    const queued = await sim.create('test.long', { seconds: 1 });
    const [toEnd, toRun] = sim.queue.takeWaiting();
    assert.ok(toEnd && toRun);
    const ending = sim.deliver(toEnd);
    await sim.clock.runUntil(() => sim.job(done).done);
    await ending;
    await sim.clock.advanceTo(createdAt + grace - 10_000);
    void sim.deliver(toRun);
    await sim.clock.advanceTo(createdAt + grace);
    assert.deepEqual(
      [done, running, queued].map((id) => sim.job(id).state),
      ['COMPLETED', 'RUNNING', 'CREATED'],
    );
    assert.deepEqual(await sim.sweep(), { republish: [], retry: [], fail: [], cancel: [], dispatched: 0 });
    await sim.clock.advance(1);
    assert.deepEqual(await sim.sweep(), { republish: [queued], retry: [], fail: [], cancel: [], dispatched: 0 });
  });
});
