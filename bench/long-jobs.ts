/**
 * What a step and a one-hour sleep cost: the real worker, wake-up and create use cases on the in-memory store in
 * simulated time, the store counting reads and writes as Firestore bills them. Measured here and not on the emulator
 * suite, whose Cloud Tasks emulator dispatches every task at once (the wake function then waits out the hour in
 * invocations of its own, which production never does) and an hour of real time per row is too long for a bench.
 * Each row is one job of a task that differs from `none` only by what the row names, so a row minus `none` is that
 * thing's cost.
 */
import { z } from 'zod';
import { sleep as clockSleep, type Clock } from '../library/src/core/ports/clock';
import { StoreLayout } from '../library/src/core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess } from '../library/src/core/store/store-access';
import { defineTask } from '../library/src/core/tasks/task';
import { TaskRegistry } from '../library/src/core/tasks/task-registry';
import { createJob, type CreateJobDeps } from '../library/src/core/use-cases/create-job';
import type { WorkerDeps } from '../library/src/core/worker/run-delivery';
import { RecentRunTimes } from '../library/src/core/worker/recent-run-times';
import { DEFAULT_WORKER_TIMINGS } from '../library/src/core/worker/worker-timings';
import { taskMessage } from '../library/src/adapters/pubsub/task-message';
import { handleWakeTask } from '../library/src/entry/wake';
import { handleTaskMessage } from '../library/src/entry/worker';
import { MemoryDocumentStore } from '../library/src/testing/memory-document-store';
import { MemoryJobLog } from '../library/src/testing/memory-job-log';
import { MemoryJobQueue } from '../library/src/testing/memory-job-queue';
import { MemoryJobTimers } from '../library/src/testing/memory-job-timers';
import { SimulatedClock } from '../library/src/testing/simulated-clock';

const HOUR = 60 * 60 * 1000;

/** The tasks the rows run: the same 1 s of work, plus a step, ten steps, or a sleep of an hour. */
function tasks(clock: Clock) {
  const work = () => clockSleep(clock, 1000);
  const common = { input: z.strictObject({}), totalTimeoutSeconds: 2 * 60 * 60 } as const;
  return [
    defineTask({ ...common, type: 'none', run: () => work().then(() => 'done') }),
    defineTask({ ...common, type: 'step', run: (_i, { step }) => step('work', work).then(() => 'done') }),
    defineTask({
      ...common,
      type: 'tenSteps',
      async run(_input, { step }) {
        for (let n = 1; n <= 10; n++) await step(`part-${n}`, () => clockSleep(clock, 100));
        return 'done';
      },
    }),
    defineTask({
      ...common,
      type: 'sleepHour',
      async run(_input, { sleep }) {
        await sleep('hour', HOUR);
        await work();
        return 'done';
      },
    }),
  ];
}

/** One row: the job's Firestore operations, worker invocations, timers and wake-ups, and invocations while asleep. */
export interface LongJobRow {
  task: string;
  reads: number;
  writes: number;
  invocations: number;
  timers: number;
  wakeUps: number;
  /** Worker invocations that ran while the job was asleep (none, if it holds nothing). */
  invocationsWhileAsleep: number;
}

/** Runs one job of `type` on a fresh store and counts what it cost, its owner's listener not included. */
async function measure(type: string): Promise<LongJobRow> {
  const clock = new SimulatedClock();
  const store = new MemoryDocumentStore({ clock, seed: 1 });
  const access: StoreAccess = {
    store,
    layout: new StoreLayout(),
    clock,
    random: () => 0.5,
    timings: DEFAULT_STORE_TIMINGS,
  };
  const queue = new MemoryJobQueue(clock);
  const timers = new MemoryJobTimers(clock);
  const registry = new TaskRegistry(tasks(clock));
  const deps: WorkerDeps & CreateJobDeps = {
    access,
    queue,
    timers,
    log: new MemoryJobLog(),
    tasks: registry,
    capacity: () => 10,
    retentionDays: () => 30,
    dispatchGraceMs: () => 5_000,
    timings: DEFAULT_WORKER_TIMINGS,
    invocationTimeoutMs: 540_000,
    staleCheckRate: 0,
    runTimes: new RecentRunTimes(),
    limits: () => ({ maxInputBytes: 10_240, maxActiveJobsPerUser: 100, maxWaitsPerUser: 5 }),
  };
  const invocationTimes: number[] = [];
  queue.subscribe(async (message) => {
    invocationTimes.push(clock.now());
    const { json, attributes } = taskMessage(message.jobId, message.type, message.sent);
    const data = Buffer.from(JSON.stringify(json)).toString('base64');
    await handleTaskMessage({ messageId: message.messageId, data, attributes }, deps);
  });
  let wakeUps = 0;
  timers.subscribe(async (jobId) => {
    wakeUps += 1;
    await handleWakeTask({ jobId }, deps);
  });
  // A first job makes the pool's slot documents (once per pool and process): the row counts a job after it.
  const first = await createJob('owner', { type: 'none', input: {} }, deps);
  await clock.runUntil(() => store.peek(access.layout.job(first.id))?.data.done === true, { limitMs: HOUR });
  const before = store.stats;
  const invocationsBefore = invocationTimes.length;
  const { id } = await createJob('owner', { type, input: {} }, deps);
  const path = access.layout.job(id);
  let asleepFrom: number | undefined;
  let asleepUntil: number | undefined;
  store.onCommit((commit) => {
    for (const change of commit.changes) {
      if (change.path !== path) continue;
      if (change.after?.waitReason === 'sleep') asleepFrom ??= commit.time;
      if (asleepFrom !== undefined && change.after?.waitReason !== 'sleep') asleepUntil ??= commit.time;
    }
  });
  await clock.runUntil(() => store.peek(path)?.data.done === true, { limitMs: 3 * HOUR });
  // The worker's own listener (its job's cancel request) counted with the reads.
  const reads = store.stats.reads + store.stats.listenerReads - before.reads - before.listenerReads;
  const writes = store.stats.writes - before.writes;
  const from = asleepFrom;
  const until = asleepUntil ?? clock.now();
  return {
    task: type,
    reads,
    writes,
    invocations: invocationTimes.length - invocationsBefore,
    timers: timers.set.length,
    wakeUps,
    invocationsWhileAsleep: from === undefined ? 0 : invocationTimes.filter((t) => t > from && t < until).length,
  };
}

/** The rows: a job with nothing, one step, ten steps, one sleep of an hour. */
export async function longJobCosts(): Promise<LongJobRow[]> {
  const rows: LongJobRow[] = [];
  for (const type of ['none', 'step', 'tenSteps', 'sleepHour']) rows.push(await measure(type));
  return rows;
}

/** The table `npm run bench` prints. */
export function longJobTable(rows: readonly LongJobRow[]): string[] {
  const none = rows.find((row) => row.task === 'none');
  const label: Record<string, string> = {
    none: 'a job of 1 s, no step',
    step: 'the same in one step',
    tenSteps: 'ten steps of 0.1 s',
    sleepHour: 'the job of 1 s after a sleep of 1 h',
  };
  return [
    '',
    '### Long jobs: a step and a one-hour sleep (simulated time, the in-memory store counting as Firestore bills)',
    '',
    '| job | reads | writes | worker invocations | timers | wake-ups | invocations while asleep | reads / writes beyond the first row |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((row) => {
      const extra = none && row !== none ? `+${row.reads - none.reads} / +${row.writes - none.writes}` : '';
      return `| ${label[row.task] ?? row.task} | ${row.reads} | ${row.writes} | ${row.invocations} | ${row.timers} | ${row.wakeUps} | ${row.invocationsWhileAsleep} | ${extra} |`;
    }),
    '',
    "The worker's cancel listener is counted (a read when it starts, a second into the handler); the owner's is not (it",
    'pays one read per change it is sent). A timer is one Cloud Tasks task; the wake-up is one invocation of `wakeJobs`.',
  ];
}
