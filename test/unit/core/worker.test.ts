/**
 * The worker (entry/worker.ts handleTaskMessage and the core's runJob) on the in-memory document store and queue,
 * in simulated time: each test drives a job through a path of docs/protocol.md's "Queue and worker", "Retries" and
 * "Guarantees" and checks the document and the log at each step. Time moves only when a test moves the clock.
 *
 * Covers: the happy path and its progress throttling (one write per 2 s at most, the last one at the end), retries
 * with backoff (the retry is sent at once and claimed at its dispatch time), permanent failures, result schemas,
 * attempts spent, time limits, a handler that ignores its signal, cancel of a queued and of a running job (before
 * and after the worker starts following the job), duplicate and late deliveries (one claim, one run), a message
 * that carries no snapshot of its job, a task type this worker does not serve, and messages naming no job.
 * Ported from the JobRepository version: counts of writes by kind now come from the store's commits
 * (`writesOf`) instead of the repository's `commitsOf`.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { serverTime } from '../../../library/src/core/ports/document-store';
import { defineTask, type TaskContext } from '../../../library/src/core/tasks/task';
import { TaskError, withheldJobError } from '../../../library/src/core/tasks/task-error';
import type { JobError } from '@async-jobs/contract';
import { RETRY_TIMER_FROM_MS } from '../../../library/src/core/worker/run-delivery';
import { taskMessage } from '../../../library/src/adapters/pubsub/task-message';
import { handleTaskMessage } from '../../../library/src/entry/worker';
import { changesProgress, isClaim, OWNER, POOL, workerSimulation, type WorkerSimulation } from './worker-simulation';

/** What each handler run did, in order: the job, the attempt, and how it ended. */
interface HandlerRun {
  jobId: string;
  attempt: number;
  ended?: 'returned' | 'threw';
  abortReason?: unknown;
}

const FAST_RETRY = { initialBackoffMs: 10_000, maxBackoffMs: 60_000 };

/** Records a handler's run in `handlerRuns`, and its signal's abort. */
function track(handlerRuns: HandlerRun[], context: TaskContext): HandlerRun {
  const record: HandlerRun = { jobId: context.jobId, attempt: context.attempt };
  handlerRuns.push(record);
  const onAbort = () => {
    record.abortReason = context.signal.reason as unknown;
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  return record;
}

/** Runs a handler's work, recording how it ended. */
async function tracked<T>(record: HandlerRun, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    record.ended = 'returned';
    return result;
  } catch (e) {
    record.ended = 'threw';
    throw e;
  }
}

function tasks(clock: Clock, handlerRuns: HandlerRun[]) {
  return [
    /** Reports progress every `stepMs` for `steps` steps, then returns. */
    defineTask({
      type: 'test.steps',
      input: z.strictObject({ steps: z.number().int().min(1), stepMs: z.number().min(0) }),
      run: (input, context) =>
        tracked(track(handlerRuns, context), async () => {
          for (let step = 1; step <= input.steps; step++) {
            context.progress((step / input.steps) * 100, `step ${step}`);
            await sleep(clock, input.stepMs, context.signal);
          }
          return `done after ${input.steps} steps`;
        }),
    }),
    /** Fails transiently until its `succeedOn`th attempt. */
    defineTask({
      type: 'test.flaky',
      input: z.strictObject({ succeedOn: z.number().int().min(1) }),
      retry: FAST_RETRY,
      run: (input, context) =>
        tracked(track(handlerRuns, context), async () => {
          await Promise.resolve();
          if (context.attempt < input.succeedOn) throw new Error(`failure on attempt ${context.attempt}`);
          return `succeeded on attempt ${context.attempt}`;
        }),
    }),
    /** Throws a plain Error on every attempt, its message public. */
    defineTask({
      type: 'test.publicFailure',
      input: z.strictObject({}),
      retry: { ...FAST_RETRY, maxAttempts: 1 },
      publicErrorMessages: true,
      run: (_input, context) =>
        tracked(track(handlerRuns, context), async () => {
          await Promise.resolve();
          throw new Error('the image service answered 503');
        }),
    }),
    /** Fails for good. */
    defineTask({
      type: 'test.refuse',
      input: z.strictObject({}),
      retry: FAST_RETRY,
      run: (_input, context) =>
        tracked(track(handlerRuns, context), async () => {
          await Promise.resolve();
          throw new TaskError('invalid-argument', 'this input makes no sense');
        }),
    }),
    /** Returns `{ count }` with the count it was given, against a result schema of a non-negative count. */
    defineTask({
      type: 'test.counted',
      input: z.strictObject({ count: z.number() }),
      result: z.strictObject({ count: z.number().int().min(0) }),
      retry: FAST_RETRY,
      run: (input, context) =>
        tracked(track(handlerRuns, context), async () => {
          await Promise.resolve();
          return { count: input.count };
        }),
    }),
    /** Waits `seconds` on its signal, so a cancel or its 2 s time limit stops it. */
    defineTask({
      type: 'test.wait',
      input: z.strictObject({ seconds: z.number() }),
      timeoutSeconds: 2,
      run: (input, context) =>
        tracked(track(handlerRuns, context), async () => {
          await sleep(clock, input.seconds * 1000, context.signal);
          return 'waited';
        }),
    }),
    /** Ignores its signal (and its 1 s time limit): waits `seconds`, then reports progress and returns. */
    defineTask({
      type: 'test.deaf',
      input: z.strictObject({ seconds: z.number() }),
      timeoutSeconds: 1,
      run: (input, context) =>
        tracked(track(handlerRuns, context), async () => {
          context.progress(10, 'started');
          await sleep(clock, input.seconds * 1000);
          context.progress(100, 'late');
          return 'should have been stopped';
        }),
    }),
  ];
}

describe('worker (simulated time)', () => {
  let handlerRuns: HandlerRun[];
  let sim: WorkerSimulation;

  function simulation(options?: Parameters<typeof workerSimulation>[1]): WorkerSimulation {
    handlerRuns = [];
    return workerSimulation((clock) => tasks(clock, handlerRuns), options);
  }

  beforeEach(() => {
    sim = simulation();
  });

  it('runs a job CREATED → RUNNING → COMPLETED, writing progress at most once in 2 s and the last with the end', async () => {
    const id = await sim.create('test.steps', { steps: 30, stepMs: 100 });
    const states = sim.statesOf(id);
    const start = sim.clock.now();
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.deepEqual(states, ['CREATED', 'RUNNING', 'COMPLETED']);
    assert.equal(job.result, 'done after 30 steps');
    assert.equal(job.attempts, 1);
    assert.equal(job.startTime, start);
    assert.equal(job.doneTime, start + 3000);
    assert.equal(job.runMillis, 3000);
    assert.equal(job.queueMillis, 0);
    assert.deepEqual(job.progress, { percent: 100, message: 'step 30' });
    // 30 reports, 100 ms apart: one write per 2 s counted from the claim's write, made once it has settled, and the
    // last report in the write that ends the job.
    assert.equal(sim.timings.progressIntervalMs, 2000);
    assert.equal(sim.timings.progressSettleMs, 250);
    const progressWrites = sim.writesOf(id).filter(changesProgress);
    assert.deepEqual(
      progressWrites.map((write) => write.time - start),
      [2250, 3000],
    );
    assert.equal(
      progressWrites.at(-1)?.after?.state,
      'COMPLETED',
      'the last report rides on the end, not a write of its own',
    );
    assert.deepEqual(sim.log.namesFor(id), ['jobCreated', 'jobDispatched', 'jobStarted', 'jobCompleted']);
    assert.equal(handlerRuns.length, 1);
  });

  it('writes four progress reports for a 10 s job reporting each second: the tenth rides on the end', async () => {
    const id = await sim.create('test.steps', { steps: 10, stepMs: 1000 });
    const start = sim.clock.now();
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.deepEqual(sim.job(id).progress, { percent: 100, message: 'step 10' });
    const progressWrites = sim.writesOf(id).filter(changesProgress);
    assert.deepEqual(
      progressWrites.map((write) => write.time - start),
      [2250, 4250, 6250, 8250, 10_000],
    );
  });

  it('retries a transient failure after its backoff holding no slot and no invocation, woken by its timer', async () => {
    const id = await sim.create('test.flaky', { succeedOn: 2 });
    const failedAt = sim.clock.now();
    await sim.clock.runUntil(() => sim.job(id).attempts === 1 && sim.job(id).state === 'CREATED');
    const queued = sim.job(id);
    // Full jitter: a delay in [0, the first backoff), drawn from the world's seeded random.
    const delayMs = sim.log.of('jobRetrying', id)[0]?.args[2] as number;
    assert.ok(delayMs >= RETRY_TIMER_FROM_MS && delayMs < FAST_RETRY.initialBackoffMs, `a delay of ${delayMs} ms`);
    const dispatchTime = failedAt + delayMs;
    assert.equal(queued.dispatchTime, dispatchTime);
    assert.equal(queued.waitReason, 'retry-backoff');
    assert.deepEqual(queued.error, withheldJobError(queued.error?.logId ?? 'a log id'));
    assert.equal(queued.leaseExpireTime, null);
    assert.equal(queued.slot, null, 'the retry gives its slot back');
    assert.deepEqual(sim.slotHolders(), [], 'so the slot is free while it waits');
    assert.equal(sim.queue.published.length, 1, 'nothing is published until it is due');
    assert.deepEqual(
      sim.timers.set.map((timer) => [timer.jobId, timer.time]),
      [[id, dispatchTime]],
      'a timer wakes it at its due time',
    );

    await sim.clock.advanceTo(dispatchTime - 1);
    assert.ok(
      sim.runs.every((run) => run.finished),
      'no invocation runs while it waits',
    );
    assert.equal(sim.job(id).state, 'CREATED');
    assert.equal(handlerRuns.length, 1);
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 2);
    assert.equal(job.startTime, dispatchTime, 'woken, queued, sent and claimed at its due time');
    assert.equal(job.result, 'succeeded on attempt 2');
    assert.equal(job.error, undefined, 'a completed job has no error');
    assert.deepEqual(
      handlerRuns.map((r) => r.attempt),
      [1, 2],
    );
  });

  it('keeps its slot for a backoff under a second: the retry is sent at once and its claim waits it out', async () => {
    sim.setRandom(() => 0.05);
    const id = await sim.create('test.flaky', { succeedOn: 2 });
    const failedAt = sim.clock.now();
    await sim.clock.runUntil(() => sim.job(id).attempts === 1 && sim.job(id).state === 'CREATED');
    const queued = sim.job(id);
    const delayMs = sim.log.of('jobRetrying', id)[0]?.args[2] as number;
    assert.ok(delayMs < RETRY_TIMER_FROM_MS, `a delay of ${delayMs} ms`);
    const dispatchTime = failedAt + delayMs;
    assert.equal(queued.dispatchTime, dispatchTime);
    assert.equal(typeof queued.slot, 'number', 'the retry keeps its slot');
    assert.equal(sim.queue.published.length, 2, 'the retry is published at once');
    assert.equal(sim.queue.published[1]?.sent.dispatchTime, dispatchTime, 'its message says when it is due');
    assert.deepEqual(sim.timers.set, [], 'no timer');
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.startTime, dispatchTime, 'the claim waited for the due time');
  });

  it('fails at once on a permanent TaskError, without a retry', async () => {
    const id = await sim.create('test.refuse', {});
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.error, { code: 'invalid-argument', message: 'this input makes no sense' });
    assert.equal(handlerRuns.length, 1);
    assert.equal(sim.queue.published.length, 1);
    assert.equal(sim.log.of('jobEnded', id).length, 1);
  });

  it('stores a result its result schema accepts', async () => {
    const id = await sim.create('test.counted', { count: 3 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.result, { count: 3 });
  });

  it('fails a job at once, without a retry, when its handler returns a result its result schema refuses', async () => {
    const id = await sim.create('test.counted', { count: -1 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 1);
    assert.equal(job.result, undefined, 'the refused value is not stored');
    assert.equal(job.error?.code, 'internal');
    assert.match(job.error?.message ?? '', /^the task returned a result its result schema refuses: result\.count: /);
    assert.equal(handlerRuns.length, 1);
  });

  it('withholds each attempt’s message behind a log id of its own, logged with what the handler threw', async () => {
    const id = await sim.create('test.flaky', { succeedOn: 10 });
    await sim.clock.runUntilIdle();
    const withheld = sim.log.of('taskErrorWithheld', id);
    assert.deepEqual(
      withheld.map((event) => (event.args[2] as Error).message),
      ['failure on attempt 1', 'failure on attempt 2', 'failure on attempt 3'],
    );
    const logIds = withheld.map((event) => event.args[1] as string);
    assert.equal(new Set(logIds).size, 3, 'one log id per failure');
    const retried = sim.log.of('jobRetrying', id).map((event) => (event.args[1] as JobError).logId);
    assert.deepEqual(retried, logIds.slice(0, 2), 'each retry’s log entry names its failure’s id');
    assert.equal(sim.job(id).error?.logId, logIds[2]);
    assert.doesNotMatch(JSON.stringify(sim.job(id)), /failure on attempt/, 'no handler message on the document');
  });

  it('keeps a plain Error’s message for a task whose messages are public', async () => {
    const id = await sim.create('test.publicFailure', {});
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'FAILED');
    assert.deepEqual(sim.job(id).error, { code: 'internal', message: 'the image service answered 503' });
    assert.deepEqual(sim.log.of('taskErrorWithheld', id), []);
  });

  it('fails with the last error once the attempts are spent', async () => {
    const id = await sim.create('test.flaky', { succeedOn: 10 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 3);
    // The owner reads a log id; the log entry it names has the handler's own message.
    const logId = job.error?.logId ?? assert.fail('the job carries a log id');
    assert.deepEqual(job.error, withheldJobError(logId));
    const withheld = sim.log.of('taskErrorWithheld', id).find((event) => event.args[1] === logId);
    assert.equal((withheld?.args[2] as Error | undefined)?.message, 'failure on attempt 3');
    assert.deepEqual(
      handlerRuns.map((r) => r.attempt),
      [1, 2, 3],
    );
    assert.equal(sim.log.of('jobRetrying', id).length, 2);
    assert.deepEqual(sim.slotHolders(), [], 'its end gave its slot back');
  });

  it('ends a job past its time limit FAILED with deadline-exceeded, not retried', async () => {
    const id = await sim.create('test.wait', { seconds: 60 });
    const start = sim.clock.now();
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.error?.code, 'deadline-exceeded');
    assert.equal(job.attempts, 1);
    assert.equal(job.doneTime, start + 2000);
    assert.equal(handlerRuns[0]?.ended, 'threw', 'the handler stopped on its signal');
    assert.ok(handlerRuns[0]?.abortReason instanceof TaskError);
  });

  it('abandons a handler that ignores its signal after the grace period; nothing of its attempt writes afterwards', async () => {
    const id = await sim.create('test.deaf', { seconds: 30 });
    const start = sim.clock.now();
    await sim.clock.runUntil(() => sim.job(id).done);
    const ended = sim.job(id);
    assert.equal(ended.state, 'FAILED');
    assert.equal(ended.error?.code, 'deadline-exceeded');
    assert.equal(ended.doneTime, start + 1000 + sim.timings.abortGraceMs, 'time limit, then the grace');
    assert.equal(handlerRuns[0]?.ended, undefined, 'the handler is still running');

    await sim.clock.runUntilIdle();
    assert.equal(handlerRuns[0]?.ended, 'returned', 'the handler went on to its end, 30 s in');
    assert.deepEqual(sim.job(id), ended, 'its late progress and result changed nothing');
    assert.ok(sim.writesOf(id).every((write) => write.time <= (ended.doneTime ?? 0)));
  });

  it('cancels a CREATED job at once; the handler never runs and the late delivery does nothing', async () => {
    sim = simulation({ deliveryDelayMs: 1000 });
    const id = await sim.create('test.steps', { steps: 1, stepMs: 0 });
    assert.deepEqual(await sim.cancel(id), { id, state: 'CANCELLED', cancelRequested: false });
    assert.deepEqual(sim.slotHolders(), [], 'the cancel gave its slot back');
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'CANCELLED');
    assert.equal(job.attempts, 0);
    assert.equal(job.error?.code, 'cancelled');
    assert.equal(handlerRuns.length, 0);
    assert.deepEqual(sim.log.of('duplicateDelivery', id)[0]?.args[0], 'CANCELLED');
  });

  it('cancels a RUNNING job: the handler’s signal aborts, and the job ends CANCELLED', async () => {
    const id = await sim.create('test.wait', { seconds: 1.5 });
    const start = sim.clock.now();
    await sim.clock.advance(1000);
    assert.equal(sim.job(id).state, 'RUNNING');
    assert.deepEqual(await sim.cancel(id), { id, state: 'RUNNING', cancelRequested: true });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'CANCELLED');
    assert.deepEqual(job.error, { code: 'cancelled', message: 'the job was cancelled by its owner' });
    // At once, not when the handler would have ended: the end's write, fenced on the attempt's last write, loses
    // to the cancel's and is made again after one store backoff.
    const endedAfter = (job.doneTime ?? Infinity) - (start + 1000);
    assert.ok(endedAfter >= 0 && endedAfter < sim.access.timings.initialBackoffMs, `ended ${endedAfter} ms after`);
    assert.equal(job.runMillis, 1000);
    assert.equal(handlerRuns[0]?.ended, 'threw');
    assert.equal((handlerRuns[0]?.abortReason as TaskError).code, 'cancelled');
    assert.deepEqual(sim.slotHolders(), []);
  });

  it('honours a cancel made in the handler’s first moments once the worker starts following the job', async () => {
    const id = await sim.create('test.wait', { seconds: 1.5 });
    const start = sim.clock.now();
    await sim.clock.advance(200);
    assert.deepEqual(await sim.cancel(id), { id, state: 'RUNNING', cancelRequested: true });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'CANCELLED');
    // The listener starts cancelWatchDelayMs into the run, and sees the request already there.
    assert.equal(job.runMillis, sim.timings.cancelWatchDelayMs);
    const endedAfter = (job.doneTime ?? Infinity) - (start + sim.timings.cancelWatchDelayMs);
    assert.ok(endedAfter >= 0 && endedAfter < sim.access.timings.initialBackoffMs, `ended ${endedAfter} ms after`);
    assert.equal((handlerRuns[0]?.abortReason as TaskError).code, 'cancelled');
  });

  it('pays one listener read to follow a running job for its cancel, none for its own progress writes', async () => {
    const id = await sim.create('test.steps', { steps: 20, stepMs: 1000 });
    const before = sim.store.stats.listenerReads;
    await sim.clock.runUntilIdle();
    const progressWrites = sim.writesOf(id).filter((write) => write.after?.progress !== undefined).length;
    assert.ok(progressWrites >= 8, `the job wrote its progress ${progressWrites} times`);
    assert.equal(sim.job(id).state, 'COMPLETED');
    // Guarded by run-delivery's watchCancelRequest (watchMatching on cancelRequested): a listener of the whole
    // document pays a read for each of those writes.
    assert.equal(sim.store.stats.listenerReads - before, 1);
  });

  it('runs the handler once for two deliveries of one message at the same instant', async () => {
    sim.queue.duplicateNextPublishes(1);
    const id = await sim.create('test.steps', { steps: 2, stepMs: 500 });
    await sim.clock.runUntilIdle();
    assert.equal(sim.runsOf(id).length, 2, 'delivered twice');
    assert.equal(handlerRuns.length, 1);
    assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.equal(sim.job(id).attempts, 1);
    assert.deepEqual(
      sim.log.of('duplicateDelivery', id).map((e) => e.args[0]),
      ['RUNNING'],
    );
  });

  it('lets exactly one of ten deliveries of one message at the same instant claim the job', async () => {
    sim.queue.duplicateNextPublishes(1, { copies: 9 });
    const id = await sim.create('test.steps', { steps: 1, stepMs: 100 });
    await sim.clock.runUntilIdle();
    assert.equal(sim.runsOf(id).length, 10);
    assert.equal(handlerRuns.length, 1);
    assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    assert.equal(sim.log.of('duplicateDelivery', id).length, 9);
    assert.equal(sim.job(id).attempts, 1);
  });

  it('runs the handler once for late deliveries, while the job runs and after it ended', async () => {
    sim.queue.duplicateNextPublishes(1, { delayMs: 500 });
    const id = await sim.create('test.steps', { steps: 2, stepMs: 500 });
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'COMPLETED');
    const done = sim.job(id);
    const [message] = sim.queue.published;
    assert.ok(message);
    await sim.deliver(message); // a redelivery long after the end
    assert.equal(handlerRuns.length, 1);
    assert.deepEqual(
      sim.log.of('duplicateDelivery', id).map((e) => e.args[0]),
      ['RUNNING', 'COMPLETED'],
    );
    assert.deepEqual(sim.job(id), done);
  });

  it('runs a job whose message names it without a snapshot, reading the job instead', async () => {
    sim = simulation({ autoDeliver: false });
    const id = await sim.create('test.steps', { steps: 1, stepMs: 100 });
    const [message] = sim.queue.takeWaiting();
    assert.ok(message);
    const { json, attributes } = taskMessage(id, 'test.steps');
    const handled = handleTaskMessage(
      { messageId: 'bare', data: Buffer.from(JSON.stringify(json)).toString('base64'), attributes },
      sim.workerDeps(sim.clock.process()),
    );
    await sim.clock.runUntilIdle();
    await handled;
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 1);
    // The message with the snapshot, delivered after: its claim's fence fails, and it reads a done job.
    await sim.deliver(message);
    assert.deepEqual(
      sim.log.of('duplicateDelivery', id).map((e) => e.args[0]),
      ['COMPLETED'],
    );
    assert.equal(handlerRuns.length, 1);
  });

  it('fails a job whose task type this worker does not serve with unimplemented, and gives its slot back', async () => {
    const id = 'unknownTypeJob';
    const now = sim.clock.now();
    // A job of a type no deployed task has (its task was removed), holding slot 0 and sent.
    await sim.store.commit([
      {
        op: 'create',
        path: sim.layout.job(id),
        data: {
          owner: OWNER,
          type: 'test.unknown',
          input: {},
          state: 'CREATED',
          done: false,
          attempts: 0,
          pool: POOL,
          rank: null,
          waiting: false,
          waitReason: null,
          slot: 0,
          dispatchTime: now,
          createTime: now,
          updateTime: serverTime(),
          startTime: null,
          doneTime: null,
        },
      },
      { op: 'set', path: sim.layout.slot(POOL, 0), data: { index: 0, held: true, jobId: id } },
    ]);
    const { json, attributes } = taskMessage(id, 'test.unknown');
    const handled = handleTaskMessage(
      { messageId: 'm-1', data: Buffer.from(JSON.stringify(json)).toString('base64'), attributes },
      sim.workerDeps(sim.clock.process()),
    );
    await sim.clock.runUntilIdle();
    await handled;
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.attempts, 1);
    assert.equal(job.error?.code, 'unimplemented');
    assert.deepEqual(sim.slotHolders(), []);
  });

  it('ignores a message for a job that does not exist, and one that names no job', async () => {
    const sent = {
      version: 'v1',
      owner: OWNER,
      pool: POOL,
      input: {},
      attempts: 0,
      slot: 0,
      createTime: 0,
      dispatchTime: 0,
    };
    await sim.deliver({ messageId: 'm-1', jobId: 'no-such-job', type: 'test.steps', sent, publishTime: 0 });
    const process = sim.clock.process();
    await handleTaskMessage({ messageId: 'm-2', data: 'e30=', attributes: {} }, sim.workerDeps(process));
    assert.deepEqual(sim.log.of('jobNotFound')[0]?.args, ['m-1']);
    assert.equal(sim.log.of('poisonMessage').length, 1);
    assert.equal(sim.store.stats.commits, 0, 'nothing written');
    assert.equal(sim.store.size, 0);
    assert.equal(sim.runs[0]?.finished, true, 'the delivery is acknowledged');
  });
});
