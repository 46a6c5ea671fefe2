import type { Job } from '../core/job';
import type { Clock } from '../core/ports/clock';
import type { DocumentStore } from '../core/ports/document-store';
import { jobAt } from '../core/protocol/job-record';
import { StoreLayout } from '../core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess, type StoreTimings } from '../core/store/store-access';
import type { TaskDefinition } from '../core/tasks/task';
import { TaskRegistry } from '../core/tasks/task-registry';
import type { CreateJobDeps, JobLimits } from '../core/use-cases/create-job';
import type { CoreDeps } from '../core/use-cases/dispatch';
import { sweep, type SweepDeps, type SweepReport } from '../core/use-cases/sweep';
import { setWakeTimer, wakeJob } from '../core/use-cases/wake';
import { RecentRunTimes } from '../core/worker/recent-run-times';
import { runDelivery, type WorkerDeps } from '../core/worker/run-delivery';
import { DEFAULT_WORKER_TIMINGS, type WorkerTimings } from '../core/worker/worker-timings';
import { MemoryDocumentStore } from './memory-document-store';
import { MemoryJobLog } from './memory-job-log';
import { MemoryJobQueue, type QueuedMessage } from './memory-job-queue';
import { MemoryJobTimers } from './memory-job-timers';
import { processStore } from './process-document-store';
import { seededRandom } from './seeded-random';
import { SimulatedClock } from './simulated-clock';
import type { SimulatedProcess } from './simulated-process';

/** JOB_RETENTION_DAYS as functions/.env sets it. */
export const RETENTION_DAYS = 30;
/** DISPATCH_GRACE_SECONDS as functions/.env sets it, in ms: how long a sent job may stay unclaimed. */
export const DISPATCH_GRACE_MS = 5_000;
/** The worker function's time limit: the standard pool's. */
export const INVOCATION_TIMEOUT_MS = 540_000;
/** The limits per owner unless a platform sets its own: MAX_INPUT_BYTES, MAX_ACTIVE_JOBS_PER_USER, :wait places. */
export const DEFAULT_JOB_LIMITS: JobLimits = { maxInputBytes: 10_240, maxActiveJobsPerUser: 100, maxWaitsPerUser: 5 };

/** One delivery of a job to a worker, in a simulated process of its own. */
export interface WorkerRun {
  jobId: string;
  /** The delivery's message id. */
  messageId: string;
  process: SimulatedProcess;
  /** The worker returned. */
  finished: boolean;
}

/** A delivery as the platform records it: the message itself, and what the worker threw, if it did. */
export interface DeliveredRun extends WorkerRun {
  message: QueuedMessage;
  error?: unknown;
}

/** What the functions' entries do with a delivery and with a wake-up, given the deps of their own process. */
export interface PlatformEntries {
  /** The worker's: runs the job the message names. */
  worker(message: QueuedMessage, deps: WorkerDeps): Promise<void>;
  /** The wake function's: a timer's wake-up of the job. */
  wake(jobId: string, deps: WorkerDeps): Promise<void>;
}

/**
 * The core's own entries: the worker's runDelivery, and a wake-up that sets its timer again when it comes early. The
 * testing kit imports the core only (eslint.boundaries.mjs), so it cannot reach entry/worker.ts and entry/wake.ts,
 * which read Pub/Sub's and Cloud Tasks' wire formats; a test of the library passes those as `entries`.
 */
const CORE_ENTRIES: PlatformEntries = {
  worker: (message, deps) => runDelivery(message.jobId, message.type, message.sent, message.messageId, deps),
  async wake(jobId, deps) {
    const woken = await wakeJob(deps, jobId);
    if (woken.kind === 'not-due') await setWakeTimer(deps, jobId, woken.dueAt);
  },
};

/** What a simulated platform is made of; each setting not given takes the default it names. */
export interface SimulatedPlatformOptions<S extends DocumentStore> {
  /** The task types the workers serve, made on the platform's clock (for handlers that sleep on it). */
  tasksOn(clock: Clock): readonly TaskDefinition[];
  /** The store every caller reaches, made of the in-memory one: itself, or a wrapper that injects faults. */
  wrapStore(store: MemoryDocumentStore): S;
  /** How many jobs each pool's workers run at once, until a test changes `pool.capacity`. */
  capacity: number;
  /** Seeds the store's ids and every random choice (retry jitter, slot search); 1 by default. */
  seed?: number;
  /** The limits per owner; each one not given (or undefined) is DEFAULT_JOB_LIMITS'. */
  limits?: Partial<JobLimits>;
  /** The worker's lease, abort grace and progress timings; each one not given is DEFAULT_WORKER_TIMINGS'. */
  timings?: Partial<WorkerTimings>;
  /** The store calls' timings; each one not given is DEFAULT_STORE_TIMINGS'. */
  storeTimings?: Partial<StoreTimings>;
  /** The share of job ends that look for stale jobs; 0 by default, so the only sweeps are the ones asked for. */
  staleCheckRate?: number;
  /** Delay between a publish and its delivery; 0 by default. */
  deliveryDelayMs?: number;
  /** Whether published messages are delivered to a worker on their own; true by default. */
  autoDeliver?: boolean;
  /** The entries deliveries and wake-ups go through; the core's own by default. */
  entries?: PlatformEntries;
}

/**
 * The platform the core runs on in memory, in simulated time, wired once for the testing kit and the tests. Its
 * functions are closures, not methods: a caller may take them apart (`{ sweep } = platform`) or spread them.
 */
export interface SimulatedPlatform<S extends DocumentStore> {
  clock: SimulatedClock;
  /** The in-memory store (`peek` reads it without a read being counted). */
  store: MemoryDocumentStore;
  /** The store every caller reaches: `wrapStore`'s. */
  wrapped: S;
  layout: StoreLayout;
  /** The store as the callables and the schedule reach it, on the platform's clock. */
  access: StoreAccess;
  queue: MemoryJobQueue;
  timers: MemoryJobTimers;
  log: MemoryJobLog;
  timings: WorkerTimings;
  limits: JobLimits;
  /** The pools' capacity, which a test may change as the platform runs. */
  pool: { capacity: number };
  /** Every delivery to a worker, in order. */
  runs: DeliveredRun[];
  serverDeps: CoreDeps;
  createDeps: CreateJobDeps;
  sweepDeps: SweepDeps;
  /** A worker's dependencies inside `process`: every port reached through it, so its kill stops them all. */
  workerDeps: (process: SimulatedProcess) => WorkerDeps;
  /** Delivers `message` to the worker's entry in a new process; resolves when the worker returns. */
  deliver: (message: QueuedMessage) => Promise<void>;
  /** Makes the platform's random choices (the retry jitter among them) answer `next` from now on. */
  setRandom: (next: () => number) => void;
  /** One run of the recovery sweep at the clock's time, as the deployed schedule runs it every minute. */
  sweep: () => Promise<SweepReport>;
  /** The job as stored (times in epoch ms), or undefined when there is none. */
  peekJob: (id: string) => Job | undefined;
}

/**
 * Wires the simulated platform: the in-memory store, queue, timers and log on one simulated clock, the deps the
 * callables, the schedule and the workers take, and the delivery of each message (and each wake-up) to its entry in
 * a simulated process of its own, which a test may kill as a crashed instance.
 */
export function simulatedPlatform<S extends DocumentStore>(options: SimulatedPlatformOptions<S>): SimulatedPlatform<S> {
  const clock = new SimulatedClock();
  const seed = options.seed ?? 1;
  const store = new MemoryDocumentStore({ clock, seed });
  const wrapped = options.wrapStore(store);
  const layout = new StoreLayout();
  let random = seededRandom(seed + 1);
  const queue = new MemoryJobQueue(clock);
  const timers = new MemoryJobTimers(clock);
  const log = new MemoryJobLog();
  const timings: WorkerTimings = { ...DEFAULT_WORKER_TIMINGS, ...options.timings };
  const limits: JobLimits = {
    maxInputBytes: options.limits?.maxInputBytes ?? DEFAULT_JOB_LIMITS.maxInputBytes,
    maxActiveJobsPerUser: options.limits?.maxActiveJobsPerUser ?? DEFAULT_JOB_LIMITS.maxActiveJobsPerUser,
    maxWaitsPerUser: options.limits?.maxWaitsPerUser ?? DEFAULT_JOB_LIMITS.maxWaitsPerUser,
  };
  const pool = { capacity: options.capacity };
  const entries = options.entries ?? CORE_ENTRIES;
  const access: StoreAccess = {
    store: wrapped,
    layout,
    clock,
    random: () => random(),
    timings: { ...DEFAULT_STORE_TIMINGS, ...options.storeTimings },
  };
  const serverDeps: CoreDeps = {
    access,
    queue,
    timers,
    log,
    tasks: new TaskRegistry(options.tasksOn(clock)),
    capacity: () => pool.capacity,
    retentionDays: () => RETENTION_DAYS,
  };
  const sweepDeps: SweepDeps = { ...serverDeps, dispatchGraceMs: () => DISPATCH_GRACE_MS };
  const runTimes = new RecentRunTimes();
  const workerDeps = (process: SimulatedProcess): WorkerDeps => ({
    ...sweepDeps,
    access: { ...access, store: processStore(wrapped, process), clock: process.clock },
    queue: queue.forProcess(process),
    timings,
    invocationTimeoutMs: INVOCATION_TIMEOUT_MS,
    staleCheckRate: options.staleCheckRate ?? 0,
    runTimes,
  });

  const runs: DeliveredRun[] = [];
  const deliver = async (message: QueuedMessage): Promise<void> => {
    const process = clock.process();
    const run: DeliveredRun = { jobId: message.jobId, messageId: message.messageId, message, process, finished: false };
    runs.push(run);
    try {
      await entries.worker(message, workerDeps(process));
      run.finished = true;
    } catch (e) {
      run.error = e;
      throw e;
    }
  };
  if (options.autoDeliver ?? true) queue.subscribe(deliver, { delayMs: options.deliveryDelayMs ?? 0 });
  timers.subscribe((jobId) => entries.wake(jobId, workerDeps(clock.process())));

  return {
    clock,
    store,
    wrapped,
    layout,
    access,
    queue,
    timers,
    log,
    timings,
    limits,
    pool,
    runs,
    serverDeps,
    createDeps: { ...serverDeps, limits: () => limits },
    sweepDeps,
    workerDeps,
    deliver,
    setRandom: (next) => {
      random = next;
    },
    sweep: () => sweep(sweepDeps, clock.now()),
    peekJob: (id) => {
      const doc = store.peek(layout.job(id));
      return doc && jobAt(doc).job;
    },
  };
}
