/**
 * Fair scheduling through the core's use cases on the in-memory repository, in simulated time: a job is sent to a
 * worker only when it gets one of its pool's slots, jobs past the capacity wait CREATED with `waitReason: capacity`
 * and start, in fair order, as slots free (the end of a job sends the next one, with no sweep), the sweep sends
 * what a missed send left waiting, and an owner's requests waiting on jobs are capped.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { MAX_TRANSACTION_ATTEMPTS, MAX_TRIES } from '../../../library/src/adapters/memory/table-access';
import { QuotaExceededError, TooManyWaitsError } from '../../../library/src/core/errors';
import { WORKER_LOST } from '../../../library/src/core/job';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { OWNER, POOL, workerSimulation, type WorkerSimulationOptions } from './worker-simulation';

const SECOND = 1000;
const TIME_LIMIT_SECONDS = 60;

function tasks(clock: Clock) {
  /** Waits `seconds` on its signal, then returns. */
  const work = (type: string, maxAttempts: number) =>
    defineTask({
      type,
      input: z.strictObject({ seconds: z.number().min(0) }),
      timeoutSeconds: TIME_LIMIT_SECONDS,
      retry: { maxAttempts },
      async run(input, { signal }) {
        await sleep(clock, input.seconds * SECOND, signal);
        return 'done';
      },
    });
  return [work('test.work', 3), work('test.once', 1)];
}

function simulation(options: WorkerSimulationOptions) {
  return workerSimulation(tasks, options);
}

describe('fair scheduling (simulated time)', () => {
  it('sends a job that finds a free slot to a worker at once', async () => {
    const sim = simulation({ capacity: 2 });
    const start = sim.clock.now();
    const id = await sim.create('test.work', { seconds: 1 });
    const sent = sim.job(id);
    assert.equal(sent.waiting, false);
    assert.ok(sent.slot === 0 || sent.slot === 1, 'it holds one of the two slots');
    assert.equal(sent.dispatchTime, start);
    assert.deepEqual(
      sim.queue.published.map((m) => [m.jobId, m.publishTime]),
      [[id, start]],
    );
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.queueMillis, 0);
    assert.equal(job.slot, null, 'its end gave the slot back');
    assert.ok(sim.jobs.slotHolders(POOL).every((holder) => holder === undefined));
  });

  it('keeps a job past the capacity waiting, unsent, and starts it when a slot frees, with no sweep', async () => {
    const sim = simulation({ capacity: 2 });
    const start = sim.clock.now();
    const first = await sim.create('test.work', { seconds: 5 });
    const second = await sim.create('test.work', { seconds: 10 });
    const third = await sim.create('test.work', { seconds: 1 });
    const waiting = sim.job(third);
    assert.equal(waiting.state, 'CREATED');
    assert.equal(waiting.waiting, true);
    assert.equal(waiting.waitReason, 'capacity');
    assert.equal(waiting.dispatchTime, null);
    assert.equal(waiting.slot, null);
    assert.deepEqual(
      sim.queue.published.map((m) => m.jobId),
      [first, second],
      'only the jobs with a slot are sent',
    );

    let mostSent = 0;
    await sim.clock.runUntil(() => {
      mostSent = Math.max(mostSent, sim.jobs.slotHolders(POOL).filter(Boolean).length);
      return sim.job(third).done;
    });
    const firstDone = sim.job(first);
    const started = sim.job(third);
    assert.equal(firstDone.doneTime, start + 5 * SECOND);
    assert.equal(started.startTime, firstDone.doneTime, 'it started when the first job ended');
    assert.equal(started.queueMillis, 5 * SECOND);
    assert.equal(started.state, 'COMPLETED');
    assert.equal(mostSent, 2, 'never more jobs sent than the capacity');
    assert.equal(sim.log.of('jobRecovered').length, 0, 'no sweep was needed');
    await sim.clock.runUntilIdle();
  });

  it('starts another owner’s job, created after a flood of 20, at the next free slot, before the flood', async () => {
    const sim = simulation({ capacity: 2 });
    const flood: string[] = [];
    for (let n = 0; n < 20; n++) flood.push(await sim.create('test.work', { seconds: 10 }, 'flooder'));
    await sim.clock.advance(SECOND);
    const sentBefore = sim.dispatchOrder().length;
    const single = await sim.create('test.work', { seconds: 10 }, 'latecomer');
    await sim.clock.runUntilIdle({ limitMs: 10 * 60 * SECOND });

    const startOf = (id: string) => sim.job(id).startTime ?? Infinity;
    const firstFreeSlot = Math.min(...flood.map((id) => sim.job(id).doneTime ?? Infinity));
    assert.equal(startOf(single), firstFreeSlot, 'the latecomer started as soon as a slot freed');
    const floodStartedBefore = flood.filter((id) => startOf(id) < startOf(single)).length;
    assert.equal(floodStartedBefore, 2, 'only the two jobs already running when it came went first');
    const sentAfter = sim.dispatchOrder().slice(sentBefore);
    const place = sentAfter.indexOf(single);
    assert.ok(
      place === 0 || place === 1,
      `sent ${place}th after it came: first, or second after the flood's next job, whose rank it ties`,
    );
    assert.ok(
      flood.every((id) => sim.job(id).state === 'COMPLETED'),
      'the flood still ran, every job of it',
    );
  });

  it('gives a cancelled queued job’s slot to the next job, and a cancelled waiting job’s room to its owner', async () => {
    const sim = simulation({ capacity: 1, deliveryDelayMs: SECOND, limits: { maxActiveJobsPerUser: 3 } });
    const sent = await sim.create('test.work', { seconds: 1 });
    const next = await sim.create('test.work', { seconds: 1 });
    const last = await sim.create('test.work', { seconds: 1 });
    assert.equal(sim.job(sent).slot, 0, 'sent, its message not delivered yet');
    assert.equal(sim.job(next).waiting, true);
    await assert.rejects(sim.create('test.work', { seconds: 1 }), QuotaExceededError);

    assert.deepEqual(await sim.cancel(sent), { id: sent, state: 'CANCELLED', cancelRequested: false });
    const moved = sim.job(next);
    assert.equal(moved.waiting, false, 'the next job got the slot at once');
    assert.equal(moved.slot, 0);
    assert.equal(moved.dispatchTime, sim.clock.now());
    assert.equal(sim.queue.published.at(-1)?.jobId, next);

    assert.deepEqual(await sim.cancel(last), { id: last, state: 'CANCELLED', cancelRequested: false });
    assert.equal(sim.jobs.admissionCount(OWNER), 1, 'two of the three places are free again');
    const another = await sim.create('test.work', { seconds: 1 });
    await sim.clock.runUntilIdle();
    assert.deepEqual(
      [sent, next, last, another].map((id) => sim.job(id).state),
      ['CANCELLED', 'COMPLETED', 'CANCELLED', 'COMPLETED'],
    );
    assert.equal(sim.job(sent).attempts, 0, 'the late delivery of the cancelled job ran nothing');
  });

  it('sends, at the sweep, a waiting job whose send was missed when a slot freed', async () => {
    const sim = simulation({ capacity: 1 });
    const running = await sim.create('test.work', { seconds: 5 });
    const waiting = await sim.create('test.work', { seconds: 1 });
    // Firestore fails every dispatch for now, through every retry, so the ending job's send of the next is lost.
    sim.jobs.faults.failCommits('dispatch', 'transient', { times: MAX_TRIES * MAX_TRANSACTION_ATTEMPTS });
    await sim.clock.runUntil(() => sim.job(running).done);
    await sim.clock.runUntilIdle();
    assert.equal(sim.jobs.faults.pending, 0, 'every dispatch attempt failed');
    assert.equal(sim.job(waiting).waiting, true, 'the slot is free and the job still waits');
    assert.ok(sim.jobs.slotHolders(POOL).every((holder) => holder === undefined));

    const report = await sim.sweep();
    assert.equal(report.dispatched, 1);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(waiting).state, 'COMPLETED');
  });

  it('answers a create whose dispatch fails with its job, which waits until the sweep sends it', async () => {
    const sim = simulation({ capacity: 1 });
    sim.jobs.faults.failCommits('dispatch', 'permanent');
    const id = await sim.create('test.work', { seconds: 1 });
    assert.equal(sim.job(id).waiting, true);
    assert.equal(sim.log.of('dispatchFailed').length, 1, 'the failed dispatch is logged');
    assert.equal((await sim.sweep()).dispatched, 1);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'COMPLETED');
  });

  /** A job of `type` whose worker is killed 2 s in, and a job of another owner waiting behind it on the one slot. */
  async function killedWithOneWaiting(type: string) {
    const sim = simulation({ capacity: 1 });
    const killed = await sim.create(type, { seconds: 10 });
    const waiting = await sim.create('test.work', { seconds: 1 }, 'other-owner');
    await sim.clock.advance(2 * SECOND);
    const [run] = sim.runsOf(killed);
    assert.ok(run);
    run.process.kill();
    await sim.clock.runUntilIdle();
    const lease = sim.job(killed).leaseExpireTime ?? 0;
    assert.equal(sim.job(killed).state, 'RUNNING');
    await sim.clock.advanceTo(lease);
    await sim.sweep();
    assert.equal(sim.job(waiting).waiting, true, 'its dead worker’s job holds the slot until its lease lapses');
    await sim.clock.advance(1);
    return { sim, killed, waiting };
  }

  it('frees a killed worker’s slot only with the sweep’s fail, which sends the next job', async () => {
    const { sim, killed, waiting } = await killedWithOneWaiting('test.once');
    const report = await sim.sweep();
    assert.deepEqual(report.fail, [killed]);
    assert.equal(report.dispatched, 1);
    assert.deepEqual(sim.job(killed).error, WORKER_LOST);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(waiting).state, 'COMPLETED');
  });

  it('holds a killed worker’s slot through the sweep’s retry, and gives it to the next job when the retry ends', async () => {
    const { sim, killed, waiting } = await killedWithOneWaiting('test.work');
    const report = await sim.sweep();
    assert.deepEqual(report.retry, [killed]);
    assert.equal(report.dispatched, 0, 'the retry keeps the slot');
    assert.equal(sim.job(waiting).waiting, true);
    await sim.clock.runUntil(() => sim.job(waiting).done);
    const retried = sim.job(killed);
    assert.equal(retried.state, 'COMPLETED');
    assert.equal(retried.attempts, 2);
    assert.equal(sim.job(waiting).startTime, retried.doneTime, 'sent when the retry ended');
  });

  it('never sends more jobs than the slots, takes jobs of three owners in turns, and gives every place back', async () => {
    const sim = simulation({ capacity: 3 });
    const owners = ['a', 'b', 'c'];
    const ids: string[] = [];
    for (let n = 0; n < 60; n++) {
      const owner = owners[n < 30 ? 0 : n % 3]; // a floods first, then all three take turns
      ids.push(await sim.create('test.work', { seconds: 1 + (n % 4) }, owner));
    }
    let mostSent = 0;
    await sim.clock.runUntil(() => {
      mostSent = Math.max(mostSent, sim.jobs.slotHolders(POOL).filter(Boolean).length);
      return ids.every((id) => sim.job(id).done);
    });
    assert.equal(mostSent, 3);
    assert.ok(ids.every((id) => sim.job(id).state === 'COMPLETED'));
    for (const owner of owners) assert.equal(sim.jobs.admissionCount(owner), 0, `${owner}'s places are all free`);
    assert.ok(sim.jobs.slotHolders(POOL).every((holder) => holder === undefined));
    // b's and c's jobs came after a's 30 but did not wait for them: b's first job ran before a's tenth.
    const order = sim.dispatchOrder();
    const firstOf = (owner: string) => order.findIndex((id) => sim.job(id).owner === owner);
    assert.ok(firstOf('b') < 10 && firstOf('c') < 10, `b first at ${firstOf('b')}, c first at ${firstOf('c')}`);
    await sim.clock.runUntilIdle();
  });

  describe('waits (the HTTP API’s :wait)', () => {
    it('refuses a wait past the owner’s limit, and gives each place back when its wait returns', async () => {
      const sim = simulation({ limits: { maxWaitsPerUser: 2 } });
      const id = await sim.create('test.work', { seconds: 20 });
      const long = sim.wait(id, 60 * SECOND);
      const short = sim.wait(id, 5 * SECOND);
      await sim.clock.settle();
      assert.equal(sim.jobs.waitPlaces(OWNER).size, 2);
      await assert.rejects(sim.wait(id, 60 * SECOND), (e: unknown) => e instanceof TooManyWaitsError && e.limit === 2);

      await sim.clock.advance(5 * SECOND);
      assert.equal((await short).state, 'RUNNING', 'the short wait timed out with the job as it was');
      assert.equal(sim.jobs.waitPlaces(OWNER).size, 1, 'its place is free again');
      const again = sim.wait(id, 60 * SECOND);
      await sim.clock.runUntilIdle();
      assert.equal((await long).state, 'COMPLETED');
      assert.equal((await again).state, 'COMPLETED');
      assert.equal(sim.jobs.waitPlaces(OWNER).size, 0);
      assert.equal((await sim.wait(id, 60 * SECOND)).state, 'COMPLETED', 'a done job needs no place');
    });

    it('counts a place a dead request never gave back only until its wait would have ended', async () => {
      const sim = simulation({ limits: { maxWaitsPerUser: 1 } });
      const id = await sim.create('test.work', { seconds: 55 });
      const now = sim.clock.now();
      assert.equal(await sim.jobs.acquireWait(OWNER, 'a dead instance', now, now + 30 * SECOND, 1), true);
      await assert.rejects(sim.wait(id, 10 * SECOND), TooManyWaitsError);
      await sim.clock.advance(30 * SECOND);
      const waited = sim.wait(id, 10 * SECOND);
      await sim.clock.advance(10 * SECOND);
      assert.equal((await waited).state, 'RUNNING');
      assert.equal(sim.jobs.waitPlaces(OWNER).size, 0);
      await sim.clock.runUntilIdle();
    });
  });
});
