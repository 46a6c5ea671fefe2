/**
 * The platform the protocol runs on in the core's behaviour tests, simulated: the in-memory document store (with
 * injectable faults) and queue on a simulated clock, each delivery handled by entry/worker.ts's handleTaskMessage in
 * a simulated process of its own (so a test can kill a worker mid-job), and the use cases the callables and the
 * schedule call. Tasks run in the pools they name, each of a capacity a test sets (and may change). Nothing waits
 * for real time: a test moves the clock.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Job, Millis } from '../../../library/src/core/job';
import type { Clock } from '../../../library/src/core/ports/clock';
import type { DocumentData, Write } from '../../../library/src/core/ports/document-store';
import { jobAt } from '../../../library/src/core/protocol/job-record';
import type { SlotDocument } from '../../../library/src/core/protocol/pool-slots';
import { StoreLayout } from '../../../library/src/core/protocol/store-layout';
import {
  DEFAULT_STORE_TIMINGS,
  type StoreAccess,
  type StoreTimings,
} from '../../../library/src/core/store/store-access';
import { DEFAULT_POOL, type TaskDefinition } from '../../../library/src/core/tasks/task';
import { TaskRegistry } from '../../../library/src/core/tasks/task-registry';
import { cancelJob } from '../../../library/src/core/use-cases/cancel-job';
import { signalJob, signalJobFromServer } from '../../../library/src/core/use-cases/signal-job';
import {
  createJob,
  createJobsBatch,
  type CreateJobDeps,
  type JobLimits,
} from '../../../library/src/core/use-cases/create-job';
import type { CoreDeps } from '../../../library/src/core/use-cases/dispatch';
import { waitForOwnedJob } from '../../../library/src/core/use-cases/owned-jobs';
import { sweep, type SweepDeps, type SweepReport } from '../../../library/src/core/use-cases/sweep';
import type { RunJobDeps } from '../../../library/src/core/worker/run-job';
import { RecentRunTimes } from '../../../library/src/core/worker/recent-run-times';
import { DEFAULT_WORKER_TIMINGS, type WorkerTimings } from '../../../library/src/core/worker/worker-timings';
import { taskMessage, type ReceivedMessage } from '../../../library/src/adapters/pubsub/task-message';
import { handleTaskMessage } from '../../../library/src/entry/worker';
import { FaultyDocumentStore } from '../../../library/src/testing/faulty-document-store';
import { MemoryDocumentStore } from '../../../library/src/testing/memory-document-store';
import { MemoryJobLog } from '../../../library/src/testing/memory-job-log';
import { MemoryJobQueue, type QueuedMessage } from '../../../library/src/testing/memory-job-queue';
import { MemoryJobTimers } from '../../../library/src/testing/memory-job-timers';
import { handleWakeTask } from '../../../library/src/entry/wake';
import { processStore } from '../../../library/src/testing/process-document-store';
import { seededRandom } from '../../../library/src/testing/seeded-random';
import { SimulatedClock } from '../../../library/src/testing/simulated-clock';
import type { SimulatedProcess } from '../../../library/src/testing/simulated-process';

/** The owner of the jobs a test creates unless it names another. */
export const OWNER = 'owner-1';
export const RETENTION_DAYS = 30;
/** DISPATCH_GRACE_SECONDS as functions/.env sets it, in ms. */
export const DISPATCH_GRACE_MS = 5_000;
/** The pool every test task runs in unless it names another. */
export const POOL = DEFAULT_POOL;
/** The worker function's time limit in the tests: the standard pool's. */
export const INVOCATION_TIMEOUT_MS = 540_000;

/** One commit's change of a job document, as the store applied it (see `writesOf`). */
export interface JobWrite {
  /** The commit's time. */
  time: Millis;
  /** The document before the commit and after it; undefined where there was none. */
  before?: DocumentData;
  after?: DocumentData;
}

/** Whether a write claimed the job: CREATED → RUNNING. */
export const isClaim = (write: JobWrite): boolean =>
  write.before?.state === 'CREATED' && write.after?.state === 'RUNNING';

/** Whether a write changed the job's progress. */
export const changesProgress = (write: JobWrite): boolean =>
  !isDeepStrictEqual(write.before?.progress, write.after?.progress);

/** Whether a write ended the job: not done → done. */
export const isEnd = (write: JobWrite): boolean => write.before?.done === false && write.after?.done === true;

/** Whether a write queued the job again after a failed attempt: RUNNING → CREATED. */
export const isRequeue = (write: JobWrite): boolean =>
  write.before?.state === 'RUNNING' && write.after?.state === 'CREATED';

/** What a commit does to the job its first write updates, by the fields it writes (for fault rules' `where`). */
export type JobCommitKind = 'claim' | 'heartbeat' | 'progress' | 'end' | 'requeue' | 'dispatch' | 'other';

/** The kind of a commit of the protocol, told from its first write. */
export function jobCommitKind(writes: readonly Write[] | undefined): JobCommitKind {
  const first = writes?.[0];
  if (first?.op !== 'update') return 'other';
  const data = first.data;
  if (data.done === true) return 'end';
  if (data.state === 'RUNNING') return 'claim';
  if (data.state === 'CREATED' && data.waitReason === 'retry-backoff') return 'requeue';
  if ('progress' in data) return 'progress';
  if ('leaseExpireTime' in data && !('state' in data)) return 'heartbeat';
  if (data.waiting === false && 'slot' in data && !('state' in data)) return 'dispatch';
  return 'other';
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
  storeTimings?: Partial<StoreTimings>;
  /** Delay between a publish and its delivery; 0 by default. */
  deliveryDelayMs?: number;
  /** Whether published messages are delivered to a worker on their own; true by default. */
  autoDeliver?: boolean;
  /** How many jobs each pool's workers run at once; 100 by default, more than a test fills unless it means to. */
  capacity?: number;
  /** Limits per owner: jobs not done (100 by default) and requests waiting on jobs (5). */
  limits?: Partial<Pick<JobLimits, 'maxActiveJobsPerUser' | 'maxWaitsPerUser'>>;
  /** Seeds the ids, the jitter and the random choices; 1 by default. */
  seed?: number;
  /** The share of job ends that look for stale jobs; 0 by default, so a test's sweeps are its own. */
  staleCheckRate?: number;
}

/** A Pub/Sub push of the message, as the worker receives it. */
export function received(message: QueuedMessage): ReceivedMessage {
  const { json, attributes } = taskMessage(message.jobId, message.type, message.sent);
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
  const seed = options.seed ?? 1;
  const store = new MemoryDocumentStore({ clock, seed });
  const faults = new FaultyDocumentStore(store);
  const layout = new StoreLayout();
  const randoms = { value: seededRandom(seed + 1) };
  const random = () => randoms.value();
  const queue = new MemoryJobQueue(clock);
  const timers = new MemoryJobTimers(clock);
  const log = new MemoryJobLog();
  const registry = new TaskRegistry(tasksOn(clock));
  const timings: WorkerTimings = { ...DEFAULT_WORKER_TIMINGS, ...options.timings };
  const storeTimings: StoreTimings = { ...DEFAULT_STORE_TIMINGS, ...options.storeTimings };
  const runs: WorkerRun[] = [];
  /** The pools' capacity, which a test may change as the simulation runs. */
  const pool = { capacity: options.capacity ?? 100 };
  const limits: JobLimits = {
    maxInputBytes: 10_240,
    maxActiveJobsPerUser: options.limits?.maxActiveJobsPerUser ?? 100,
    maxWaitsPerUser: options.limits?.maxWaitsPerUser ?? 5,
  };
  /** What the callables and the schedule reach: the store (with its faults) and the queue, on the world's clock. */
  const access: StoreAccess = { store: faults, layout, clock, random, timings: storeTimings };
  const serverDeps: CoreDeps = {
    access,
    queue,
    timers,
    log,
    tasks: registry,
    capacity: () => pool.capacity,
    retentionDays: () => RETENTION_DAYS,
  };
  const createDeps: CreateJobDeps = { ...serverDeps, limits: () => limits };
  const sweepDeps: SweepDeps = { ...serverDeps, dispatchGraceMs: () => DISPATCH_GRACE_MS };

  const runTimes = new RecentRunTimes();
  /** The worker's dependencies inside `process`: every port reached through it, so its kill stops them all. */
  const workerDeps = (process: SimulatedProcess): RunJobDeps => ({
    ...sweepDeps,
    access: { ...access, store: processStore(faults, process), clock: process.clock },
    queue: queue.forProcess(process),
    timings,
    invocationTimeoutMs: INVOCATION_TIMEOUT_MS,
    staleCheckRate: options.staleCheckRate ?? 0,
    runTimes,
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
  /** Wake-ups run the wake function's entry in a process of their own, as Cloud Tasks calls it. */
  const wakes: SimulatedProcess[] = [];
  timers.subscribe(async (jobId) => {
    const process = clock.process();
    wakes.push(process);
    await handleWakeTask({ jobId }, { ...workerDeps(process) });
  });

  /** Every commit's change of a job document, by path, in order: what a test counts writes of a kind by. */
  const jobWrites = new Map<string, JobWrite[]>();
  store.onCommit((commit) => {
    for (const { path, before, after } of commit.changes) {
      if (!path.startsWith(`${layout.jobs}/`)) continue;
      const writes = jobWrites.get(path) ?? [];
      writes.push({ time: commit.time, ...(before ? { before } : {}), ...(after ? { after } : {}) });
      jobWrites.set(path, writes);
    }
  });

  const slotsOf = (poolName: string) =>
    store
      .peekCollection(layout.slots(poolName))
      .map((doc) => doc.data as unknown as SlotDocument)
      .sort((a, b) => a.index - b.index);

  return {
    clock,
    store,
    faults,
    layout,
    access,
    queue,
    timers,
    wakes,
    log,
    runs,
    timings,
    limits,
    pool,
    deliver,
    workerDeps,
    serverDeps,
    createDeps,
    sweepDeps,

    /** Makes the world's random choices (the retry jitter among them) answer `next` from now on. */
    setRandom(next: () => number): void {
      randoms.value = next;
    },

    /** Creates a job through the createJob use case (which sends it to a worker if a slot is free); its id. */
    async create(type: string, input: Record<string, unknown>, owner = OWNER): Promise<string> {
      const created = await createJob(owner, { type, input }, createDeps);
      return created.id;
    },

    /** Creates a job that starts `delaySeconds` from now (createJob's `delaySeconds`); its id. */
    async createDelayed(type: string, input: Record<string, unknown>, delaySeconds: unknown, owner = OWNER) {
      const created = await createJob(owner, { type, input, delaySeconds }, createDeps);
      return created.id;
    },

    /** Creates jobs in one call through the batch use case; their ids. */
    async createBatch(jobs: { type: string; input: Record<string, unknown> }[], owner = OWNER): Promise<string[]> {
      const created = await createJobsBatch(owner, { jobs }, createDeps);
      return created.jobs.map((job) => job.id);
    },

    /** A signal to the job, through the signalJob use case (as the callable sends it). */
    signal(id: string, name: string, payload?: unknown, owner = OWNER) {
      return signalJob(owner, { id, name, payload }, serverDeps);
    },

    /** A trusted server's signal to the job (the library's `server.signalJob`), through its use case. */
    signalFromServer(id: string, name: string, payload?: unknown) {
      return signalJobFromServer({ id, name, payload }, serverDeps);
    },

    /** The owner's cancel, through the cancelJob use case. */
    cancel(id: string, owner = OWNER) {
      return cancelJob(owner, { id }, serverDeps);
    },

    /** The owner's wait for the job (the HTTP API's `:wait`), through the owned-jobs use case. */
    wait(id: string, timeoutMs: number, owner = OWNER): Promise<Job> {
      return waitForOwnedJob(access, owner, id, timeoutMs, limits.maxWaitsPerUser);
    },

    /** One run of the recovery sweep at the clock's time. */
    sweep(): Promise<SweepReport> {
      return sweep(sweepDeps, clock.now());
    },

    /** The ids of the jobs in the order they were sent to a worker (the log's jobDispatched events). */
    dispatchOrder(): string[] {
      return log.of('jobDispatched').map((e) => e.jobId as string);
    },

    /** The job as stored, or undefined. */
    peek(id: string): Job | undefined {
      const doc = store.peek(layout.job(id));
      return doc && jobAt(doc).job;
    },

    /** The job as stored; fails the test if there is none. */
    job(id: string): Job {
      const doc = store.peek(layout.job(id));
      assert.ok(doc, `job ${id} exists`);
      return jobAt(doc).job;
    },

    /** The pool's slot documents, by index. */
    slots(poolName = POOL): SlotDocument[] {
      return slotsOf(poolName);
    },

    /** The ids of the jobs holding a held slot of the pool, by slot index. */
    slotHolders(poolName = POOL): string[] {
      // The holder of a slot is on the job (`slot`); only a held slot document counts, so a job that says it
      // holds a slot its document calls free is not listed (and the slot-holders invariant catches it).
      const held = new Set(slotsOf(poolName).flatMap((slot) => (slot.held ? [slot.index] : [])));
      return store
        .peekCollection(layout.jobs)
        .map(jobAt)
        .filter(({ job }) => !job.done && job.pool === poolName && typeof job.slot === 'number' && held.has(job.slot))
        .sort((a, b) => (a.job.slot ?? 0) - (b.job.slot ?? 0))
        .map(({ id }) => id);
    },

    /** Ids of the jobs in `state`, in the order they were made. */
    idsInState(state: Job['state']): string[] {
      return store
        .peekCollection(layout.jobs)
        .filter((doc) => jobAt(doc).job.state === state)
        .map((doc) => doc.id);
    },

    /** The deliveries of the job's messages, in order. */
    runsOf(jobId: string): WorkerRun[] {
      return runs.filter((run) => run.message.jobId === jobId);
    },

    /** Every commit that wrote the job's document, in order, with the document before and after it. */
    writesOf(id: string): readonly JobWrite[] {
      return jobWrites.get(layout.job(id)) ?? [];
    },

    /** The owner's `:wait` places as its document holds them: token → epoch ms at which the place lapses. */
    waitPlaces(owner = OWNER): Record<string, number> {
      const waits = store.peek(layout.owner(owner))?.data.waits;
      return typeof waits === 'object' && waits !== null && !Array.isArray(waits)
        ? (waits as Record<string, number>)
        : {};
    },

    /** How many of the owner's jobs are not done, as the documents say (what admission counts). */
    activeJobs(owner = OWNER): number {
      return store.peekCollection(layout.jobs).filter((doc) => doc.data.owner === owner && doc.data.done === false)
        .length;
    },

    /** Records every state the job is seen in (a listener, as a client's), without repeats. */
    statesOf(id: string): string[] {
      const states: string[] = [];
      store.watch(
        layout.job(id),
        (doc) => {
          const state = doc ? jobAt(doc).job.state : 'DELETED';
          if (states.at(-1) !== state) states.push(state);
        },
        () => undefined,
      );
      return states;
    },
  };
}

export type WorkerSimulation = ReturnType<typeof workerSimulation>;
