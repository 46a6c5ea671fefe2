/**
 * The platform the protocol runs on in the core's behaviour tests, simulated (testing/simulated-platform.ts, the
 * wiring TestEnvironment runs on too): the in-memory document store (with injectable faults) and queue on a
 * simulated clock, each delivery handled by entry/worker.ts's handleTaskMessage and each wake-up by entry/wake.ts's
 * handleWakeTask in a simulated process of its own (so a test can kill a worker mid-job), and the use cases the
 * callables and the schedule call. Tasks run in the pools they name, each of a capacity a test sets (and may
 * change). Nothing waits for real time: a test moves the clock.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Job, Millis } from '../../../library/src/core/job';
import type { Clock } from '../../../library/src/core/ports/clock';
import type { DocumentData, Write } from '../../../library/src/core/ports/document-store';
import { jobAt } from '../../../library/src/core/protocol/job-record';
import type { SlotDocument } from '../../../library/src/core/protocol/pool-slots';
import { DEFAULT_POOL, type TaskDefinition } from '../../../library/src/core/tasks/task';
import { cancelJob } from '../../../library/src/core/use-cases/cancel-job';
import { signalJob, signalJobFromServer } from '../../../library/src/core/use-cases/signal-job';
import { createJob, createJobsBatch } from '../../../library/src/core/use-cases/create-job';
import { waitForOwnedJob } from '../../../library/src/core/use-cases/owned-jobs';
import { taskMessage, type ReceivedMessage } from '../../../library/src/adapters/pubsub/task-message';
import { handleTaskMessage } from '../../../library/src/entry/worker';
import { handleWakeTask } from '../../../library/src/entry/wake';
import { FaultyDocumentStore } from '../../../library/src/testing/faulty-document-store';
import type { QueuedMessage } from '../../../library/src/testing/memory-job-queue';
import {
  simulatedPlatform,
  type DeliveredRun,
  type PlatformEntries,
  type SimulatedPlatformOptions,
} from '../../../library/src/testing/simulated-platform';

export {
  DISPATCH_GRACE_MS,
  INVOCATION_TIMEOUT_MS,
  RETENTION_DAYS,
} from '../../../library/src/testing/simulated-platform';

/** The owner of the jobs a test creates unless it names another. */
export const OWNER = 'owner-1';
/** The pool every test task runs in unless it names another. */
export const POOL = DEFAULT_POOL;

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
export type WorkerRun = DeliveredRun;

/**
 * The platform's settings a test may give (timings, delivery, limits, seed, stale checks); the store's faults and
 * the entries are the simulation's own. Capacity is 100 by default, more than a test fills unless it means to.
 */
export type WorkerSimulationOptions = Omit<
  SimulatedPlatformOptions<FaultyDocumentStore>,
  'tasksOn' | 'wrapStore' | 'entries' | 'capacity'
> & { capacity?: number };

/** A Pub/Sub push of the message, as the worker receives it. */
export function received(message: QueuedMessage): ReceivedMessage {
  const { json, attributes } = taskMessage(message.jobId, message.type, message.sent);
  return { messageId: message.messageId, data: Buffer.from(JSON.stringify(json)).toString('base64'), attributes };
}

/** The library's own entries: each delivery a Pub/Sub push to the worker's, each wake-up a Cloud Tasks call. */
const LIBRARY_ENTRIES: PlatformEntries = {
  worker: (message, deps) => handleTaskMessage(received(message), deps),
  wake: (jobId, deps) => handleWakeTask({ jobId }, deps),
};

/**
 * The simulated platform for the tasks `tasksOn` makes; it gets the simulated clock, for handlers that wait with
 * `sleep(clock, ms, signal)`.
 */
export function workerSimulation(
  tasksOn: (clock: Clock) => readonly TaskDefinition[],
  options: WorkerSimulationOptions = {},
) {
  const platform = simulatedPlatform({
    ...options,
    tasksOn,
    wrapStore: (store) => new FaultyDocumentStore(store),
    capacity: options.capacity ?? 100,
    entries: LIBRARY_ENTRIES,
  });
  const { store, layout, access, log, runs, limits, serverDeps, createDeps } = platform;

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
    ...platform,
    faults: platform.wrapped,

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

    /** The ids of the jobs in the order they were sent to a worker (the log's jobDispatched events). */
    dispatchOrder(): string[] {
      return log.of('jobDispatched').map((e) => e.jobId as string);
    },

    /** The job as stored, or undefined. */
    peek: platform.peekJob,

    /** The job as stored; fails the test if there is none. */
    job(id: string): Job {
      const job = platform.peekJob(id);
      assert.ok(job, `job ${id} exists`);
      return job;
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
