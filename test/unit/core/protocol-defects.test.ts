/**
 * The eight defects the one-protocol rewrite fixed (issue "One job protocol that Firestore can carry"), each as a
 * test in simulated time through the real use cases and worker on the in-memory store. Each breaks when the rule
 * it guards is taken out (the note in each test says which line).
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import type { Write } from '../../../library/src/core/ports/document-store';
import { serverTime } from '../../../library/src/core/ports/document-store';
import { defineTask, type TaskContext } from '../../../library/src/core/tasks/task';
import { TaskError } from '../../../library/src/core/tasks/task-error';
import { OWNER, workerSimulation, type WorkerSimulation } from './worker-simulation';

/** When one handler run started and stopped (simulated ms), for its job and attempt. */
interface HandlerSpan {
  jobId: string;
  attempt: number;
  start: number;
  stop?: number;
}

/** A task that works `seconds` in one-second steps on the clock, stopping at once when its signal aborts. */
function steadyTask(clock: Clock, spans: HandlerSpan[], hook?: (context: TaskContext) => Promise<void> | void) {
  return defineTask({
    type: 'work',
    input: z.strictObject({ seconds: z.number().min(0) }),
    retry: { maxAttempts: 3, initialBackoffMs: 1_000, maxBackoffMs: 1_000 },
    timeoutSeconds: 400,
    run: async ({ seconds }, context) => {
      const span: HandlerSpan = { jobId: context.jobId, attempt: context.attempt, start: clock.now() };
      spans.push(span);
      try {
        for (let s = 0; s < seconds; s++) await sleep(clock, 1_000, context.signal);
        await hook?.(context);
        return `worked ${seconds} s`;
      } finally {
        span.stop = clock.now();
      }
    },
  });
}

/** Whether a commit is a heartbeat: an update of a job's lease alone (no state change). */
function isHeartbeat(writes: readonly Write[] | undefined): boolean {
  const first = writes?.[0];
  return first?.op === 'update' && 'leaseExpireTime' in first.data && !('state' in first.data);
}

/** Runs the recovery sweep every minute, as Cloud Scheduler does, until `stop()`. */
function everyMinuteSweep(world: WorkerSimulation): () => void {
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    void world.sweep();
    world.clock.setTimer(60_000, tick);
  };
  world.clock.setTimer(60_000, tick);
  return () => {
    stopped = true;
  };
}

/** Asserts no two handler runs of one job overlapped in time. */
function assertNoOverlap(spans: readonly HandlerSpan[]): void {
  for (const a of spans) {
    for (const b of spans) {
      if (a === b || a.jobId !== b.jobId || a.attempt >= b.attempt) continue;
      assert.ok(
        a.stop !== undefined && a.stop <= b.start,
        `attempt ${a.attempt} of ${a.jobId} ran [${a.start}, ${a.stop ?? 'on'}] beside attempt ${b.attempt} from ${b.start}`,
      );
    }
  }
}

describe('protocol defects, each fixed', () => {
  it('1. a heartbeat that hangs stops its handler before the lease can lapse: no two attempts run at once', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [steadyTask(clock, spans)]);
    // Every lease renewal of the job hangs (the instance's calls to Firestore stop answering).
    world.faults.fail({ call: 'commit', fault: 'hang', times: 1_000, where: (call) => isHeartbeat(call.writes) });
    const id = await world.create('work', { seconds: 100 });
    const stopSweeps = everyMinuteSweep(world);
    await world.clock.runUntil(() => world.peek(id)?.done === true, { limitMs: 30 * 60_000 });
    stopSweeps();
    // Guarded by AttemptKeeper's watchdog: without it attempt 1 runs on past its lease while attempt 2 runs.
    const first = spans.find((span) => span.attempt === 1);
    assert.ok(first?.stop !== undefined, 'attempt 1 stopped');
    assert.ok(first.stop <= first.start + world.timings.leaseMs, 'attempt 1 stopped before its lease lapsed');
    assert.ok(spans.length >= 2, 'the job was retried after its lease lapsed');
    assertNoOverlap(spans);
  });

  it('1b. a heartbeat that fails for good also stops its handler in time', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [steadyTask(clock, spans)]);
    world.faults.fail({ call: 'commit', fault: 'transient', times: 1_000, where: (call) => isHeartbeat(call.writes) });
    const id = await world.create('work', { seconds: 100 });
    const stopSweeps = everyMinuteSweep(world);
    await world.clock.runUntil(() => world.peek(id)?.done === true, { limitMs: 30 * 60_000 });
    stopSweeps();
    assertNoOverlap(spans);
  });

  it('2. a cancel that lands while the worker requeues after a transient error ends the job CANCELLED, never run again', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [
      steadyTask(clock, spans, () => {
        throw new TaskError('unavailable', 'the service blinked', { transient: true });
      }),
    ]);
    const id = await world.create('work', { seconds: 0 });
    // The owner's cancel lands while the worker writes the retry: its first try fails for now, and the cancel
    // request is written before the next. The job is RUNNING, so the cancel is a request the worker must honour
    // instead of queueing the retry.
    let acknowledged: boolean | undefined;
    world.faults.fail({
      call: 'commit',
      fault: 'transient',
      where: (call) => {
        const requeue = call.writes?.[0]?.op === 'update' && call.writes[0].data.waitReason === 'retry-backoff';
        if (requeue) void world.cancel(id).then((answer) => (acknowledged = answer.cancelRequested));
        return requeue;
      },
    });
    await world.clock.runUntilIdle();
    // Guarded by requeueAttempt's cancel check: without it the job is CREATED again, and the retry's claim (fenced
    // on the requeue's version, with no read) runs attempt 2.
    assert.equal(acknowledged, true, 'the owner was told the worker is asked to stop');
    assert.equal(world.job(id).state, 'CANCELLED');
    assert.equal(world.job(id).attempts, 1);
    assert.equal(spans.length, 1, 'the handler ran once');
    assert.deepEqual(world.slotHolders(), [], 'its slot was given back');
  });

  it('3. parallel creates of one user take one fair turn each: another user waits one turn, not sixteen', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [steadyTask(clock, spans)], { capacity: 1 });
    const blocker = await world.create('work', { seconds: 5 }, 'blocker');
    const creating = Promise.all(Array.from({ length: 40 }, () => world.create('work', { seconds: 1 }, 'flood')));
    let flood: string[] | undefined;
    void creating.then((ids) => (flood = ids));
    // The creates race for the owner's document on the simulated clock: their backoffs need time to pass.
    await world.clock.runUntil(() => flood !== undefined, { limitMs: 4_000 });
    if (!flood) throw new Error('unreachable');
    const light = await world.create('work', { seconds: 1 }, 'light');
    const ranks = flood.map((id) => world.job(id).rank).sort((a, b) => (a ?? 0) - (b ?? 0));
    // Guarded by fairRank's `ownerLastWaiting + 1` with the owner document's fence in enqueue: parallel creates of
    // one owner are ordered, each ranked one past the last.
    assert.equal(new Set(ranks).size, 40, `the flood's 40 jobs have 40 ranks, not ${new Set(ranks).size}`);
    await world.clock.runUntilIdle();
    const order = world.dispatchOrder().filter((id) => id !== blocker);
    assert.ok(
      order.indexOf(light) <= 1,
      `the light user's job went ${order.indexOf(light) + 1}th, not in the first turn`,
    );
    assert.ok(flood.every((id) => world.job(id).state === 'COMPLETED'));
    console.log(
      `      (40 parallel creates of one owner: ${world.store.stats.reads} reads, ${world.store.stats.commits} commits)`,
    );
  });

  it('4. a user who cancelled a queued batch starts again at the front, not behind everyone', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [steadyTask(clock, spans)], { capacity: 1 });
    const blocker = await world.create('work', { seconds: 10 }, 'blocker');
    const batch = await world.createBatch(
      Array.from({ length: 20 }, () => ({ type: 'work', input: { seconds: 1 } })),
      'canceller',
    );
    const others = await world.createBatch(
      Array.from({ length: 5 }, () => ({ type: 'work', input: { seconds: 1 } })),
      'steady',
    );
    for (const id of batch) await world.cancel(id, 'canceller');
    const comeback = await world.create('work', { seconds: 1 }, 'canceller');
    await world.clock.runUntilIdle();
    const order = world.dispatchOrder().filter((id) => id !== blocker);
    // Guarded by ownerLastWaitingRank reading the owner's last *waiting* job: a rank remembered past the cancel
    // (the cancelled jobs' ranks) puts the comeback behind all five of the other user's jobs.
    assert.ok(order.indexOf(comeback) <= 1, `the comeback went ${order.indexOf(comeback) + 1}th`);
    assert.ok(others.every((id) => world.job(id).state === 'COMPLETED'));
  });

  it('5. a result is not lost when the COMPLETED write fails for a while on the last attempt', async () => {
    const spans: HandlerSpan[] = [];
    const world = workerSimulation((clock) => [
      defineTask({
        type: 'once',
        input: z.strictObject({}),
        retry: { maxAttempts: 1 },
        run: async (_input, { signal }) => {
          spans.push({ jobId: '', attempt: 1, start: clock.now() });
          await sleep(clock, 1_000, signal);
          return { answer: 42 };
        },
      }),
    ]);
    // Ninety seconds of a failing end write: longer than the lease, and longer than a minute between sweeps.
    const failUntil = world.clock.now() + 91_000;
    world.faults.fail({
      call: 'commit',
      fault: 'transient',
      times: 10_000,
      where: (call) =>
        world.clock.now() < failUntil &&
        call.writes?.[0]?.op === 'update' &&
        (call.writes[0].data as { state?: unknown }).state === 'COMPLETED',
    });
    const id = await world.create('once', {});
    const stopSweeps = everyMinuteSweep(world);
    await world.clock.runUntil(() => world.peek(id)?.done === true, { limitMs: 10 * 60_000 });
    stopSweeps();
    // Guarded by writeEnd trying until the invocation's deadline with the lease kept: a worker that gives up after
    // its store retries leaves the job to the sweep, which ends it FAILED "the worker stopped".
    assert.equal(world.job(id).state, 'COMPLETED');
    assert.deepEqual(world.job(id).result, { answer: 42 });
    assert.equal(spans.length, 1);
  });

  it('6. one job whose recovery fails does not stop the sweep from recovering the others', async () => {
    const world = workerSimulation((clock) => [steadyTask(clock, [])], { autoDeliver: false });
    const a = await world.create('work', { seconds: 1 });
    const b = await world.create('work', { seconds: 1 });
    world.queue.takeWaiting(); // both messages lost
    await world.clock.advance(60_000);
    world.faults.fail({ call: 'commit', fault: 'permanent', times: 100, path: world.layout.job(a) });
    const report = await world.sweep();
    // Guarded by the try/catch per job in recoverStaleJobs: without it the first failure ends the run.
    assert.deepEqual(report.republish, [b]);
    assert.deepEqual(report.failed, [a]);
    assert.equal(world.log.of('recoveryFailed', a).length, 1);
  });

  it('7. a publish that never answers does not hold createJob: the caller gets its job, and the sweep sends it', async () => {
    const world = workerSimulation((clock) => [steadyTask(clock, [])]);
    world.queue.loseNextPublishes(1, 'hang');
    let created: string | undefined;
    void world.create('work', { seconds: 1 }).then((id) => (created = id));
    // Guarded by publishWithin's deadline: without it createJob waits on the publish for ever.
    await world.clock.runUntil(() => created !== undefined, { limitMs: 10_000 });
    assert.equal(world.job(created ?? '').state, 'CREATED');
    await world.clock.advance(60_000);
    await world.sweep();
    await world.clock.runUntilIdle();
    assert.equal(world.job(created ?? '').state, 'COMPLETED');
  });

  it('8. a slot whose job was deleted by hand is freed, and a job of a pool no longer deployed ends FAILED', async () => {
    const world = workerSimulation((clock) => [steadyTask(clock, [])], { capacity: 1, autoDeliver: false });
    const deleted = await world.create('work', { seconds: 1 });
    const waiting = await world.create('work', { seconds: 1 }, 'other');
    assert.equal(world.job(waiting).waiting, true);
    world.queue.takeWaiting();
    // An admin deletes the job that holds the only slot, and an old pool's job is left in the collection.
    await world.store.commit([{ op: 'delete', path: world.layout.job(deleted) }]);
    await world.store.commit([
      {
        op: 'create',
        path: world.layout.job('orphan'),
        data: {
          owner: OWNER,
          type: 'retired',
          input: {},
          state: 'CREATED',
          done: false,
          attempts: 0,
          pool: 'retired',
          rank: 0,
          waiting: true,
          waitReason: 'capacity',
          slot: null,
          dispatchTime: null,
          createTime: world.clock.now(),
          updateTime: serverTime(),
          startTime: null,
          doneTime: null,
        },
      },
    ]);
    await world.clock.advance(16 * 60_000);
    const report = await world.sweep();
    // Guarded by freeLeakedSlots and jobsOfUnservedPools in the sweep.
    assert.equal(report.freedSlots, 1);
    assert.deepEqual(world.slotHolders(), [waiting]);
    assert.equal(world.job(waiting).waiting, false);
    assert.equal(world.job('orphan').state, 'FAILED');
    assert.equal(world.job('orphan').error?.code, 'failed-precondition');
  });
});
