/**
 * The recovery sweep (core/use-cases/sweep.ts) with the worker on the in-memory document store and queue, in
 * simulated time: a lost message is sent again after the dispatch grace, and a job whose worker died mid-job stays
 * RUNNING until its lease lapses, when the sweep retries it, fails it on its last attempt, or cancels it for its
 * owner (docs/protocol.md, "Crash recovery").
 *
 * Covers: publishes lost both ways (rejected, dropped), the grace at its exact edge, a worker process killed
 * mid-job (nothing written after its death; its lease is the one its last heartbeat wrote, whatever the task's time
 * limit), the sweep's retry, fail and cancel of such a job, jobs the sweep must leave alone, and a worker that
 * finishes while the sweep decides (the sweep's write, fenced on its read, loses). Ported from the JobRepository
 * version; the sweep's report now also has `freedSlots`, `endedUnserved` and `failed`.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { CANCELLED_BY_OWNER, WORKER_LOST } from '../../../library/src/core/job';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import type { SweepReport } from '../../../library/src/core/use-cases/sweep';
import { sweepReport as report } from '../../helpers/sweep-report';
import { DISPATCH_GRACE_MS, POOL, workerSimulation, type WorkerSimulation } from './worker-simulation';

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
      assert.deepEqual(await sim.sweep(), report(), 'within the grace its message may still come');
      await sim.clock.advance(1);
      assert.deepEqual(await sim.sweep(), report({ republish: [id] }));
      assert.equal(sim.job(id).dispatchTime, sim.clock.now());
      await sim.clock.runUntilIdle();
      const job = sim.job(id);
      assert.equal(job.state, 'COMPLETED');
      assert.equal(job.attempts, 1);
      assert.deepEqual(started.get(id), [1]);
    });
  }

  /**
   * Creates a job and kills its worker once the handler's progress shows 30 % or more; answers the job's id and
   * lease.
   */
  async function killedMidJob(type: string): Promise<{ id: string; lease: number }> {
    const id = await sim.create(type, { seconds: 10 });
    await sim.clock.runUntil(() => (sim.job(id).progress?.percent ?? 0) >= 30);
    const [run] = sim.runsOf(id);
    assert.ok(run);
    const percent = sim.job(id).progress?.percent;
    const writes = sim.writesOf(id).length;
    run.process.kill();
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'RUNNING', 'the dead worker left it RUNNING');
    assert.equal(job.progress?.percent, percent, 'and wrote nothing after its death');
    assert.equal(sim.writesOf(id).length, writes);
    const lease = job.leaseExpireTime ?? 0;
    // The lease its last write (a progress write is a heartbeat) set, whatever the task's time limit.
    assert.equal(lease, (sim.writesOf(id).at(-1)?.time ?? 0) + sim.timings.leaseMs);
    return { id, lease };
  }

  it('leaves a job whose worker was killed RUNNING until its lease lapses, then retries it: COMPLETED on attempt 2', async () => {
    const { id, lease } = await killedMidJob('test.long');
    await sim.clock.advanceTo(lease);
    assert.deepEqual(await sim.sweep(), report(), 'its worker may live');
    assert.equal(sim.job(id).state, 'RUNNING');

    await sim.clock.advance(1);
    assert.deepEqual(await sim.sweep(), report({ retry: [id] }));
    const queued = sim.job(id);
    assert.equal(queued.state, 'CREATED');
    assert.deepEqual(queued.error, WORKER_LOST);
    assert.equal(typeof queued.slot, 'number', 'the retry keeps the slot');
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
    assert.deepEqual(await sim.sweep(), report({ fail: [id] }));
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.error, WORKER_LOST);
    assert.equal(sim.queue.published.length, 1, 'not sent again');
    assert.deepEqual(sim.slotHolders(), [], 'its slot given back');
  });

  it('cancels a job whose worker was killed after its owner asked to cancel it', async () => {
    const { id, lease } = await killedMidJob('test.long');
    assert.deepEqual(await sim.cancel(id), { id, state: 'RUNNING', cancelRequested: true });
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'RUNNING', 'no live worker heard the request');
    await sim.clock.advanceTo(lease + 1);
    assert.deepEqual(await sim.sweep(), report({ cancel: [id] }));
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
    void sim.deliver(toRun);
    await sim.clock.advanceTo(createdAt + grace);
    assert.deepEqual(
      [done, running, queued].map((id) => sim.job(id).state),
      ['COMPLETED', 'RUNNING', 'CREATED'],
    );
    assert.deepEqual(await sim.sweep(), report());
    await sim.clock.advance(1);
    assert.deepEqual(await sim.sweep(), report({ republish: [queued] }));
    await sim.clock.runUntil(() => sim.job(running).done);
  });

  it('marks each pool it ran over with the time of its run, so a sweep that never runs shows', async () => {
    sim = workerSimulation((clock) => tasks(clock, started));
    const pool = sim.layout.pool('standard');
    assert.equal(await sim.store.get(pool), undefined, 'no mark before a run');
    const firstRun = sim.clock.now();
    await sim.sweep();
    assert.deepEqual((await sim.store.get(pool))?.data, { lastSweepTime: firstRun });
    await sim.clock.advance(60_000);
    await sim.sweep();
    assert.deepEqual((await sim.store.get(pool))?.data, { lastSweepTime: firstRun + 60_000 });
  });

  it('finishes its run when the commit freeing a leaked slot hangs, and frees the slot on its next run', async () => {
    sim = workerSimulation((clock) => tasks(clock, started), { autoDeliver: false });
    const deleted = await sim.create('test.long', { seconds: 1 });
    sim.queue.takeWaiting();
    // An admin deletes the job that holds a slot: the slot is held for nothing.
    await sim.store.commit([{ op: 'delete', path: sim.layout.job(deleted) }]);
    sim.faults.fail({
      call: 'commit',
      fault: 'hang',
      where: (call) => call.writes?.[0]?.path.startsWith(`${sim.layout.slots(POOL)}/`) === true,
    });
    let first: SweepReport | undefined;
    void sim.sweep().then((done) => (first = done));
    await sim.clock.runUntil(() => first !== undefined, { limitMs: 2 * sim.access.timings.callTimeoutMs });
    const held = () => sim?.slots().filter((slot) => slot.held).length;
    assert.equal(first?.freedSlots, 0);
    assert.equal(sim.log.of('dispatchFailed').length, 1, 'the pool’s failure is logged');
    assert.equal(held(), 1, 'the deleted job’s slot is still held');
    assert.equal((await sim.sweep()).freedSlots, 1);
    assert.equal(held(), 0);
  });

  it('lets a worker that ends its job while the sweep decides win: the sweep’s fenced write loses, and it does nothing', async () => {
    const { id, lease } = await killedMidJob('test.long');
    await sim.clock.advanceTo(lease + 1);
    // Another writer (a worker's late end, say) ends the job, giving back its slot, between the sweep's query
    // and its write.
    const slot = sim.job(id).slot ?? 0;
    let ended = false;
    sim.faults.fail({
      call: 'commit',
      fault: 'transient',
      where: () => {
        if (!ended) {
          ended = true;
          void sim.store.commit([
            { op: 'update', path: sim.layout.job(id), data: { state: 'COMPLETED', done: true, slot: null } },
            { op: 'update', path: sim.layout.slot(POOL, slot), data: { held: false, jobId: null } },
          ]);
        }
        return false;
      },
    });
    const swept = sim.sweep();
    await sim.clock.runUntilIdle(); // the sweep backs off after its lost race, on the clock
    assert.deepEqual(await swept, report(), 'the job as it now stands calls for nothing');
    assert.ok(ended, 'the other writer came between the query and the write');
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.deepEqual(started.get(id), [1]);
  });
});
