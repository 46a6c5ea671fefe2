/**
 * The platform the worker and the sweep run on in the core's behaviour tests, simulated: the in-memory repository
 * and queue on a simulated clock, each delivery handled by entry/worker.ts's handleTaskMessage in a simulated
 * process of its own (so a test can kill a worker mid-job), and the use cases the callables and the schedule call.
 * Every task runs in one pool, whose capacity a test sets (and may change). Nothing waits for real time: a test
 * moves the clock.
 */
import assert from 'node:assert/strict';
import { MemoryJobLog } from '../../../library/src/adapters/memory/memory-job-log';
import { MemoryJobQueue, type QueuedMessage } from '../../../library/src/adapters/memory/memory-job-queue';
import { MemoryJobRepository } from '../../../library/src/adapters/memory/memory-job-repository';
import { SimulatedClock } from '../../../library/src/adapters/memory/simulated-clock';
import type { SimulatedProcess } from '../../../library/src/adapters/memory/simulated-process';
import { taskMessage, type ReceivedMessage } from '../../../library/src/adapters/pubsub/task-message';
import type { Job } from '../../../library/src/core/job';
import type { Clock } from '../../../library/src/core/ports/clock';
import { DEFAULT_POOL, type TaskDefinition } from '../../../library/src/core/tasks/task';
import { TaskRegistry } from '../../../library/src/core/tasks/task-registry';
import { cancelJob } from '../../../library/src/core/use-cases/cancel-job';
import { createJob, type JobLimits } from '../../../library/src/core/use-cases/create-job';
import type { DispatchDeps } from '../../../library/src/core/use-cases/dispatch';
import { waitForOwnedJob } from '../../../library/src/core/use-cases/owned-jobs';
import { sweep, type SweepReport } from '../../../library/src/core/use-cases/sweep';
import type { RunJobDeps } from '../../../library/src/core/worker/run-job';
import { DEFAULT_WORKER_TIMINGS, type WorkerTimings } from '../../../library/src/core/worker/worker-timings';
import { handleTaskMessage } from '../../../library/src/entry/worker';

/** The owner of the jobs a test creates unless it names another. */
export const OWNER = 'owner-1';
export const RETENTION_DAYS = 30;
/** DISPATCH_GRACE_SECONDS as functions/.env sets it, in ms. */
export const DISPATCH_GRACE_MS = 5_000;
/** The pool every test task runs in. */
export const POOL = DEFAULT_POOL;

/**
 * Makes Math.random answer `value` for the test (the retry policy's jitter draws from it), so a retry's delay is
 * known; call it in a describe body. The in-memory adapters draw from their own seeded generator.
 */
export function fixedRandom(value: number): void {
  const real = Math.random;
  beforeEach(() => {
    Math.random = () => value;
  });
  afterEach(() => {
    Math.random = real;
  });
}

/** One delivery of a message to a worker: the process it runs in, and how it ended. */
export interface WorkerRun {
  message: QueuedMessage;
  process: SimulatedProcess;
  /** The worker returned. */
  finished: boolean;
  /** What the worker threw, if it did. */
  error?: unknown;
}

export interface WorkerSimulationOptions {
  timings?: Partial<WorkerTimings>;
  /** Delay between a publish and its delivery; 0 by default. */
  deliveryDelayMs?: number;
  /** Whether published messages are delivered to a worker on their own; true by default. */
  autoDeliver?: boolean;
  /** How many jobs the pool's workers run at once; 100 by default, more than a test fills unless it means to. */
  capacity?: number;
  /** Limits per owner: jobs not done (100 by default) and requests waiting on jobs (5). */
  limits?: Partial<Pick<JobLimits, 'maxActiveJobsPerUser' | 'maxWaitsPerUser'>>;
}

/** A Pub/Sub push of the message, as the worker receives it. */
export function received(message: { messageId: string; jobId: string; type: string }): ReceivedMessage {
  const { json, attributes } = taskMessage(message.jobId, message.type);
  return { messageId: message.messageId, data: Buffer.from(JSON.stringify(json)).toString('base64'), attributes };
}

/**
 * The simulated platform for the tasks `tasksOn` makes; it gets the simulated clock, for handlers that wait with
 * `sleep(clock, ms, signal)`.
 */
export function workerSimulation(
  tasksOn: (clock: Clock) => readonly TaskDefinition[],
  options: WorkerSimulationOptions = {},
) {
  const clock = new SimulatedClock();
  const jobs = MemoryJobRepository.create({ clock });
  const queue = new MemoryJobQueue(clock);
  const log = new MemoryJobLog();
  const registry = new TaskRegistry(tasksOn(clock));
  const timings: WorkerTimings = { ...DEFAULT_WORKER_TIMINGS, ...options.timings };
  const runs: WorkerRun[] = [];
  /** The pool's capacity, which a test may change as the simulation runs. */
  const pool = { capacity: options.capacity ?? 100 };
  const capacity = () => pool.capacity;
  const limits: JobLimits = {
    maxInputBytes: 10_240,
    maxActiveJobsPerUser: options.limits?.maxActiveJobsPerUser ?? 100,
    maxWaitsPerUser: options.limits?.maxWaitsPerUser ?? 5,
  };
  /** What the callables and the schedule reach: the repository and queue themselves, on the simulation's clock. */
  const serverDeps: DispatchDeps & { jobs: MemoryJobRepository; tasks: TaskRegistry } = {
    jobs,
    queue,
    clock,
    log,
    capacity,
    tasks: registry,
  };

  /** The worker's dependencies inside `process`: every port reached through it, so its kill stops them all. */
  const workerDeps = (process: SimulatedProcess): RunJobDeps => ({
    jobs: jobs.forProcess(process),
    queue: queue.forProcess(process),
    tasks: registry,
    clock: process.clock,
    log,
    capacity,
    timings,
    retentionDays: () => RETENTION_DAYS,
    dispatchGraceMs: () => DISPATCH_GRACE_MS,
  });

  /** Delivers `message` to a new worker process; resolves when the worker returns. */
  const deliver = async (message: QueuedMessage): Promise<void> => {
    const process = clock.process();
    const run: WorkerRun = { message, process, finished: false };
    runs.push(run);
    try {
      await handleTaskMessage(received(message), workerDeps(process));
      run.finished = true;
    } catch (e) {
      run.error = e;
      throw e;
    }
  };
  if (options.autoDeliver ?? true) queue.subscribe(deliver, { delayMs: options.deliveryDelayMs ?? 0 });

  return {
    clock,
    jobs,
    queue,
    log,
    runs,
    timings,
    limits,
    pool,
    deliver,
    workerDeps,

    /** Creates a job through the createJob use case (which sends it to a worker if a slot is free); its id. */
    async create(type: string, input: Record<string, unknown>, owner = OWNER): Promise<string> {
      const created = await createJob(owner, { type, input }, { ...serverDeps, limits: () => limits });
      return created.id;
    },

    /** The owner's cancel, through the cancelJob use case. */
    cancel(id: string, owner = OWNER) {
      return cancelJob(owner, { id }, { ...serverDeps, retentionDays: () => RETENTION_DAYS });
    },

    /** The owner's wait for the job (the HTTP API's `:wait`), through the owned-jobs use case. */
    wait(id: string, timeoutMs: number, owner = OWNER): Promise<Job> {
      return waitForOwnedJob(jobs, clock, owner, id, timeoutMs, limits.maxWaitsPerUser);
    },

    /** One run of the recovery sweep at the clock's time. */
    sweep(): Promise<SweepReport> {
      return sweep(
        { ...serverDeps, retentionDays: () => RETENTION_DAYS, dispatchGraceMs: () => DISPATCH_GRACE_MS },
        clock.now(),
      );
    },

    /** The ids of the jobs in the order they were sent to a worker (the log's jobDispatched events). */
    dispatchOrder(): string[] {
      return log.of('jobDispatched').map((e) => e.jobId as string);
    },

    /** The job as stored; fails the test if there is none. */
    job(id: string): Job {
      const job = jobs.peek(id);
      assert.ok(job, `job ${id} exists`);
      return job;
    },

    /** The deliveries of the job's messages, in order. */
    runsOf(jobId: string): WorkerRun[] {
      return runs.filter((run) => run.message.jobId === jobId);
    },

    /** Records every state the job is seen in (a listener, as a client's), without repeats. */
    statesOf(id: string): string[] {
      const states: string[] = [];
      jobs.watch(id, (job) => {
        const state = job?.state ?? 'DELETED';
        if (states.at(-1) !== state) states.push(state);
      });
      return states;
    },
  };
}

export type WorkerSimulation = ReturnType<typeof workerSimulation>;
