/**
 * Fair scheduling through the core's use cases on the in-memory document store, in simulated time: a job is sent to
 * a worker only when it holds one of its pool's slots (slot documents `jobPools/{pool}/slots/{index}`), jobs past
 * the capacity wait CREATED with `waitReason: capacity` and start, in fair order, as slots free (the end of a job
 * sends the next one, with no sweep), the sweep sends what a missed send left waiting, admission counts an owner's
 * jobs not done, and an owner's requests waiting on jobs (`:wait` places on the owner's document) are capped.
 *
 * Covers: a free slot at create (rank null, sent at once), waiting past the capacity, a latecomer's fair turn
 * after a flood, cancels giving back slots and admission room, dispatches that fail (for now, for good) and the
 * sweep that mends them, a killed worker's slot held until its lease lapses, capacity never exceeded with three
 * owners taking turns, a worker killed right after its job's end (the next job waits for the sweep), a capacity
 * lowered while jobs run, and the `:wait` places. Ported from the JobRepository version; what went with its
 * admission shard counters and frontier is dropped (admission is now an aggregation count, checked here by the
 * documents it counts).
 */
import assert from 'node:assert/strict';
import type { Write } from '../../../library/src/core/ports/document-store';
import { z } from 'zod';
import { QuotaExceededError, TooManyWaitsError } from '../../../library/src/core/errors';
import { WORKER_LOST } from '../../../library/src/core/job';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { acquireWaitPlace } from '../../../library/src/core/protocol/wait-places';
import { defineTask } from '../../../library/src/core/tasks/task';
import {
  DISPATCH_GRACE_MS,
  isEnd,
  jobCommitKind,
  OWNER,
  POOL,
  workerSimulation,
  type WorkerSimulation,
  type WorkerSimulationOptions,
} from './worker-simulation';

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

/** Runs the simulation until `done()`, recording the most slots held at once; answers that most. */
async function mostHeldUntil(sim: WorkerSimulation, done: () => boolean): Promise<number> {
  let most = 0;
  await sim.clock.runUntil(() => {
    most = Math.max(most, sim.slotHolders().length);
    return done();
  });
  return most;
}

describe('fair scheduling (simulated time)', () => {
  it('sends a job that finds a free slot to a worker at once, in the commit that creates it', async () => {
    const sim = simulation({ capacity: 2 });
    const start = sim.clock.now();
    const id = await sim.create('test.work', { seconds: 1 });
    const sent = sim.job(id);
    assert.equal(sent.waiting, false);
    assert.equal(sent.rank, null, 'a job that never waited has no rank');
    assert.ok(sent.slot === 0 || sent.slot === 1, 'it holds one of the two slots');
    assert.deepEqual(sim.slotHolders(), [id]);
    assert.equal(sent.dispatchTime, start);
    assert.equal(sim.writesOf(id).length, 1, 'made and sent in one write of the job');
    assert.deepEqual(
      sim.queue.published.map((m) => [m.jobId, m.publishTime]),
      [[id, start]],
    );
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.queueMillis, 0);
    assert.equal(job.slot, null, 'its end gave the slot back');
    assert.deepEqual(sim.slotHolders(), []);
    assert.ok(
      sim.slots().every((slot) => !slot.held),
      'every slot document is free',
    );
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
    assert.equal(typeof waiting.rank, 'number');
    assert.deepEqual(
      sim.queue.published.map((m) => m.jobId),
      [first, second],
      'only the jobs with a slot are sent',
    );

    const most = await mostHeldUntil(sim, () => sim.job(third).done);
    const firstDone = sim.job(first);
    const started = sim.job(third);
    assert.equal(firstDone.doneTime, start + 5 * SECOND);
    assert.equal(started.startTime, firstDone.doneTime, 'it started when the first job ended');
    assert.equal(started.queueMillis, 5 * SECOND);
    assert.equal(started.state, 'COMPLETED');
    assert.equal(most, 2, 'never more jobs sent than the capacity');
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
    assert.equal(sim.activeJobs(OWNER), 3, 'the refused create wrote nothing');

    assert.deepEqual(await sim.cancel(sent), { id: sent, state: 'CANCELLED', cancelRequested: false });
    const moved = sim.job(next);
    assert.equal(moved.waiting, false, 'the next job got the slot at once');
    assert.equal(moved.slot, 0);
    assert.equal(moved.dispatchTime, sim.clock.now());
    assert.equal(sim.queue.published.at(-1)?.jobId, next);

    assert.deepEqual(await sim.cancel(last), { id: last, state: 'CANCELLED', cancelRequested: false });
    assert.equal(sim.activeJobs(OWNER), 1, 'two of the three places are free again');
    const another = await sim.create('test.work', { seconds: 1 });
    const oneMore = await sim.create('test.work', { seconds: 1 });
    await assert.rejects(sim.create('test.work', { seconds: 1 }), QuotaExceededError);
    await sim.clock.runUntilIdle();
    assert.deepEqual(
      [sent, next, last, another, oneMore].map((id) => sim.job(id).state),
      ['CANCELLED', 'COMPLETED', 'CANCELLED', 'COMPLETED', 'COMPLETED'],
    );
    assert.equal(sim.job(sent).attempts, 0, 'the late delivery of the cancelled job ran nothing');
    await sim.create('test.work', { seconds: 1 }); // every end gave its room back
  });

  it('sends, at the sweep, a waiting job whose send was missed when a slot freed', async () => {
    const sim = simulation({ capacity: 1 });
    const running = await sim.create('test.work', { seconds: 5 });
    const waiting = await sim.create('test.work', { seconds: 1 });
    // Firestore fails every commit that would send the waiting job, through every retry: the ending job's hand-off
    // of its slot, then (the end given back the slot alone) its own dispatch after the end.
    const sendsWaiting = (writes: readonly Write[] | undefined) =>
      writes?.some((write) => write.op === 'update' && write.path === sim.layout.job(waiting)) === true;
    sim.faults.fail({ call: 'commit', fault: 'transient', times: 1_000, where: (call) => sendsWaiting(call.writes) });
    await sim.clock.runUntil(() => sim.job(running).done);
    await sim.clock.runUntilIdle();
    assert.ok(sim.faults.fired.length > 0, 'the ending job tried to send the next');
    assert.equal(sim.job(waiting).waiting, true, 'the slot is free and the job still waits');
    assert.deepEqual(sim.slotHolders(), []);
    assert.ok(
      sim.slots().every((slot) => !slot.held),
      'the end gave its slot back',
    );

    sim.faults.clear();
    const report = await sim.sweep();
    assert.equal(report.dispatched, 1);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(waiting).state, 'COMPLETED');
  });

  it('knows an end that handed its slot on, applied despite its error, as made: the next job is sent once, with no sweep', async () => {
    const sim = simulation({ capacity: 1 });
    const running = await sim.create('test.work', { seconds: 5 });
    const waiting = await sim.create('test.work', { seconds: 1 });
    sim.faults.fail({
      call: 'commit',
      fault: 'ambiguous',
      where: (call) => call.writes?.some((write) => write.path === sim.layout.job(waiting)) === true,
    });
    await sim.clock.runUntil(() => sim.job(waiting).done);
    assert.equal(sim.faults.pending, 0);
    assert.equal(sim.job(running).state, 'COMPLETED');
    assert.equal(sim.job(waiting).state, 'COMPLETED');
    assert.equal(sim.job(waiting).dispatchTime, sim.job(running).doneTime, 'sent in the commit that ended the first');
    assert.equal(sim.queue.published.filter((message) => message.jobId === waiting).length, 1, 'sent once');
    assert.equal(sim.log.of('jobRecovered').length, 0, 'no sweep was needed');
  });

  it('gives a create whose free slot a racing create took another free slot, not a place in the queue', async () => {
    const sim = simulation({ capacity: 2 });
    const store = sim.store;
    const commit = store.commit.bind(store);
    let raced: string | undefined;
    // The first commit that creates a job in a slot finds that slot taken just before it, as by a racing create.
    store.commit = async (writes) => {
      const slotWrite = writes.find((write) => write.path.startsWith(`${sim.layout.slots(POOL)}/`));
      const jobCreate = writes[0]?.op === 'create' && writes[0].path.startsWith(`${sim.layout.jobs}/`);
      if (raced === undefined && jobCreate && slotWrite) {
        raced = slotWrite.path;
        await commit([{ op: 'update', path: slotWrite.path, data: { held: true } }]);
      }
      return commit(writes);
    };
    const id = await sim.create('test.work', { seconds: 1 });
    assert.ok(raced, 'the race happened');
    const job = sim.job(id);
    assert.equal(job.waiting, false);
    assert.equal(job.rank, null);
    assert.notEqual(sim.layout.slot(POOL, job.slot ?? -1), raced, 'the other free slot');
    assert.equal(sim.store.peek(sim.layout.owner(OWNER)), undefined, 'it never joined the queue');
  });

  it('answers a create whose dispatch fails for good with its job, which waits until the sweep sends it', async () => {
    const sim = simulation({ capacity: 1 });
    // The create's own take of the free slot is refused, so its job waits; the dispatch after it is refused too.
    sim.faults.fail({
      call: 'commit',
      fault: 'permanent',
      where: (call) => call.writes?.[0]?.op === 'create' && call.writes.length === 2,
    });
    sim.faults.fail({ call: 'commit', fault: 'permanent', where: (call) => jobCommitKind(call.writes) === 'dispatch' });
    const id = await sim.create('test.work', { seconds: 1 });
    assert.equal(sim.faults.pending, 0);
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

  it('leaves the next job sent but unpublished when a worker dies right after its job’s end; the sweep sends it', async () => {
    const sim = simulation({ capacity: 1 });
    const first = await sim.create('test.work', { seconds: 1 });
    const next = await sim.create('test.work', { seconds: 1 }, 'other-owner');
    // The worker dies the moment its end is committed, before it publishes the job it handed its slot to.
    const stop = sim.store.onCommit((commit) => {
      if (commit.changes.some((change) => change.path === sim.layout.job(first) && change.after?.done === true)) {
        sim.runsOf(first)[0]?.process.kill();
      }
    });
    await sim.clock.runUntilIdle();
    stop();
    assert.equal(sim.job(first).state, 'COMPLETED');
    assert.equal(sim.writesOf(first).filter(isEnd).length, 1);
    assert.equal(sim.job(next).waiting, false, 'the end handed it the slot, in the same commit');
    assert.deepEqual(sim.slotHolders(), [next]);
    assert.equal(sim.queue.published.filter((message) => message.jobId === next).length, 0, 'nobody published it');
    await sim.clock.advance(DISPATCH_GRACE_MS + 1);
    assert.deepEqual((await sim.sweep()).republish, [next]);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(next).state, 'COMPLETED');
  });

  it('gives no slot at or above a lowered capacity; a job that holds one keeps it until it ends', async () => {
    const sim = simulation({ capacity: 2 });
    const a = await sim.create('test.work', { seconds: 5 });
    const b = await sim.create('test.work', { seconds: 10 });
    const c = await sim.create('test.work', { seconds: 1 });
    sim.pool.capacity = 1; // a deploy with fewer instances
    const holderOfZero = sim.job(a).slot === 0 ? a : b;
    const most = await mostHeldUntil(sim, () => sim.job(c).done);
    assert.equal(most, 2, 'the two running jobs kept their slots');
    assert.equal(
      sim.job(c).startTime,
      sim.job(holderOfZero).doneTime,
      'the third job started only when slot 0 (below the new capacity) freed',
    );
    assert.ok(sim.writesOf(c).some((write) => write.after?.slot === 0));
    await sim.clock.runUntilIdle();
    assert.deepEqual(sim.slotHolders(), []);
  });

  it('never sends more jobs than the slots, takes jobs of three owners in turns, and gives every place back', async () => {
    const sim = simulation({ capacity: 3 });
    const owners = ['a', 'b', 'c'];
    const ids: string[] = [];
    for (let n = 0; n < 60; n++) {
      const owner = owners[n < 30 ? 0 : n % 3]; // a floods first, then all three take turns
      ids.push(await sim.create('test.work', { seconds: 1 + (n % 4) }, owner));
    }
    const most = await mostHeldUntil(sim, () => ids.every((id) => sim.job(id).done));
    assert.equal(most, 3);
    assert.ok(ids.every((id) => sim.job(id).state === 'COMPLETED'));
    for (const owner of owners) assert.equal(sim.activeJobs(owner), 0, `${owner}'s jobs are all done`);
    assert.deepEqual(sim.slotHolders(), []);
    // b's and c's jobs came after a's 30 but did not wait for them: b's first job ran before a's tenth.
    const order = sim.dispatchOrder();
    const firstOf = (owner: string) => order.findIndex((id) => sim.job(id).owner === owner);
    assert.ok(firstOf('b') < 10 && firstOf('c') < 10, `b first at ${firstOf('b')}, c first at ${firstOf('c')}`);
    await sim.clock.runUntilIdle();
  });

  it('takes 3,000 jobs of 100 owners through create, dispatch, claim and end in seconds, within the capacity', async function () {
    this.timeout(120_000);
    const sim = simulation({ capacity: 50, limits: { maxActiveJobsPerUser: 1_000 } });
    const started = performance.now();
    const ids: string[] = [];
    for (let n = 0; n < 3_000; n++) ids.push(await sim.create('test.work', { seconds: 1 }, `owner-${n % 100}`));
    const created = performance.now();
    // Slots held, counted as each commit is applied (a look at every document after each timer would cost more
    // than the simulation itself).
    let held = sim.slotHolders().length;
    let most = held;
    sim.store.onCommit(({ changes }) => {
      for (const { path, before, after } of changes) {
        if (!path.startsWith(`${sim.layout.slots(POOL)}/`)) continue;
        held += Number(after?.held === true) - Number(before?.held === true);
        most = Math.max(most, held);
      }
    });
    await sim.clock.runUntil(() => sim.log.of('jobCompleted').length === ids.length, { limitMs: 60 * 60 * SECOND });
    console.log(
      `      (created in ${Math.round(created - started)} ms, ran in ${Math.round(performance.now() - created)} ms)`,
    );
    assert.equal(most, 50);
    assert.ok(ids.every((id) => sim.job(id).state === 'COMPLETED'));
    assert.deepEqual(sim.slotHolders(), []);
    assert.equal(sim.store.stats.scans, 0, 'every query served by an index');
    // Linear work takes seconds; a query that read its whole collection at each step would take minutes.
    const took = performance.now() - started;
    assert.ok(took < 60_000, `took ${Math.round(took)} ms`);
  });

  describe('waits (the HTTP API’s :wait)', () => {
    it('refuses a wait past the owner’s limit, and gives each place back when its wait returns', async () => {
      const sim = simulation({ limits: { maxWaitsPerUser: 2 } });
      const id = await sim.create('test.work', { seconds: 20 });
      const long = sim.wait(id, 60 * SECOND);
      const short = sim.wait(id, 5 * SECOND);
      // The two race for the owner's document: the loser takes its place after a store backoff.
      await sim.clock.advance(SECOND);
      assert.equal(Object.keys(sim.waitPlaces()).length, 2);
      const refused = sim.wait(id, 60 * SECOND).then(
        () => 'waited',
        (e: unknown) => e,
      );
      await sim.clock.settle();
      const refusal = await refused;
      assert.ok(refusal instanceof TooManyWaitsError && refusal.limit === 2, String(refusal));

      await sim.clock.advance(5 * SECOND);
      assert.equal((await short).state, 'RUNNING', 'the short wait timed out with the job as it was');
      assert.equal(Object.keys(sim.waitPlaces()).length, 1, 'its place is free again');
      const again = sim.wait(id, 60 * SECOND);
      await sim.clock.runUntilIdle();
      assert.equal((await long).state, 'COMPLETED');
      assert.equal((await again).state, 'COMPLETED');
      assert.deepEqual(sim.waitPlaces(), {});
      assert.equal((await sim.wait(id, 60 * SECOND)).state, 'COMPLETED', 'a done job needs no place');
    });

    it('counts a place a dead request never gave back only until its wait would have ended', async () => {
      const sim = simulation({ limits: { maxWaitsPerUser: 1 } });
      const id = await sim.create('test.work', { seconds: 55 });
      const now = sim.clock.now();
      assert.equal(
        await acquireWaitPlace(sim.access, OWNER, 'a dead instance', now + 30 * SECOND, 1, now + 1000),
        true,
      );
      await assert.rejects(sim.wait(id, 10 * SECOND), TooManyWaitsError);
      await sim.clock.advance(30 * SECOND);
      const waited = sim.wait(id, 10 * SECOND);
      await sim.clock.advance(10 * SECOND);
      assert.equal((await waited).state, 'RUNNING');
      assert.deepEqual(sim.waitPlaces(), {}, 'the lapsed place was dropped by the next take');
      await sim.clock.runUntilIdle();
    });

    it('takes a place once when its commit fails for now, or is applied despite its error', async () => {
      for (const fault of ['transient', 'ambiguous'] as const) {
        const sim = simulation({ limits: { maxWaitsPerUser: 1 } });
        const id = await sim.create('test.work', { seconds: 5 });
        sim.faults.fail({ call: 'commit', fault, path: sim.layout.owner(OWNER) });
        const waited = sim.wait(id, 60 * SECOND);
        await sim.clock.advance(SECOND);
        assert.equal(sim.faults.pending, 0, fault);
        assert.equal(Object.keys(sim.waitPlaces()).length, 1, `${fault}: one place taken`);
        await sim.clock.runUntilIdle();
        assert.equal((await waited).state, 'COMPLETED', fault);
        assert.deepEqual(sim.waitPlaces(), {}, `${fault}: given back`);
      }
    });

    it('gives exactly the limit of places to concurrent waits', async () => {
      const sim = simulation({ limits: { maxWaitsPerUser: 3 } });
      const id = await sim.create('test.work', { seconds: 5 });
      const waits = Array.from({ length: 10 }, () =>
        sim.wait(id, 60 * SECOND).then(
          () => 'waited',
          (e: unknown) => (e instanceof TooManyWaitsError ? 'refused' : 'other'),
        ),
      );
      await sim.clock.runUntilIdle();
      const answers = await Promise.all(waits);
      assert.equal(answers.filter((a) => a === 'waited').length, 3);
      assert.equal(answers.filter((a) => a === 'refused').length, 7);
      assert.deepEqual(sim.waitPlaces(), {});
    });
  });
});
