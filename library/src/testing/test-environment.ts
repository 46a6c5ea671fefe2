import type { CancelJobResponse, CreateJobResponse, CreateJobsResponse, SignalJobResponse } from '@async-jobs/contract';
import type { Job } from '../core/job';
import { jobAt } from '../core/protocol/job-record';
import { StoreLayout } from '../core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess } from '../core/store/store-access';
import type { TaskDefinition } from '../core/tasks/task';
import { TaskRegistry } from '../core/tasks/task-registry';
import { cancelJob } from '../core/use-cases/cancel-job';
import { createJob, createJobsBatch, type CreateJobDeps } from '../core/use-cases/create-job';
import { signalJob, signalJobFromServer } from '../core/use-cases/signal-job';
import { sweep, type SweepDeps, type SweepReport } from '../core/use-cases/sweep';
import { setWakeTimer, wakeJob } from '../core/use-cases/wake';
import { RecentRunTimes } from '../core/worker/recent-run-times';
import { runJob, type RunJobDeps } from '../core/worker/run-job';
import { DEFAULT_WORKER_TIMINGS } from '../core/worker/worker-timings';
import { MemoryDocumentStore } from './memory-document-store';
import { MemoryJobLog } from './memory-job-log';
import { MemoryJobQueue, type QueuedMessage } from './memory-job-queue';
import { MemoryJobTimers } from './memory-job-timers';
import { processStore } from './process-document-store';
import { seededRandom } from './seeded-random';
import { SimulatedClock } from './simulated-clock';
import type { SimulatedProcess } from './simulated-process';

/** What a test environment runs: the app's own task definitions, and its settings. */
export interface TestEnvironmentOptions {
  /** The app's task types (defineTask), as it gives them to asyncJobs. */
  tasks: readonly TaskDefinition[];
  /** Jobs each pool's workers run at once (its slots); 10 by default. */
  capacity?: number;
  /** MAX_ACTIVE_JOBS_PER_USER; 100 by default. */
  maxActiveJobsPerUser?: number;
  /** MAX_INPUT_BYTES; 10 KiB by default. */
  maxInputBytes?: number;
  /** Seeds the job ids and every random choice (retry jitter, slot search), so a run replays; 1 by default. */
  seed?: number;
}

/** One delivery of a job to a worker, in a simulated process of its own. */
export interface WorkerRun {
  jobId: string;
  /** The delivery's message id. */
  messageId: string;
  process: SimulatedProcess;
  /** The worker returned. */
  finished: boolean;
}

/** How long a job sent to a worker may stay unclaimed before the sweep sends it again (DISPATCH_GRACE_SECONDS). */
const DISPATCH_GRACE_MS = 5_000;
/** The worker function's time limit: the standard pool's. */
const INVOCATION_TIMEOUT_MS = 540_000;

/**
 * An app's own tasks run through the real job protocol with no emulator, in simulated time (in the spirit of
 * `@temporalio/testing`): jobs are created, sent to workers, claimed, run (steps, sleeps, signals, retries and
 * continuations included), cancelled and swept by the same core code the deployed functions run, on the in-memory
 * document store. Time moves only when the test moves it (`advance`, `runUntilIdle`), so a sleep of an hour or a
 * 60 s retry backoff takes no time at all; the worker's lease, heartbeats and time limits run on that clock too.
 * A handler's own waits (a `setTimeout`, `abortableDelay`, a network call) are real: the clock does not move them.
 *
 *     const env = new TestEnvironment({ tasks: [countWords] });
 *     const { id } = await env.createJob('user-1', { type: 'countWords', input: { text: 'a b c' } });
 *     await env.runUntilIdle();
 *     assert.deepEqual(env.job(id)?.result, { words: 3 });
 *
 * Each delivery runs in a simulated process that `crashWorker` kills, as a crashed instance: what it wrote stays,
 * nothing after lands, and the job is taken back once its lease lapses (by `sweep`, the recovery the deployed
 * schedule runs every minute).
 */
export class TestEnvironment {
  /** The simulated clock every part of the protocol runs on (epoch ms, starting at SIMULATION_EPOCH). */
  readonly clock = new SimulatedClock();
  /** The in-memory store the jobs live in (`peek`, `peekCollection` read it without a read being counted). */
  readonly store: MemoryDocumentStore;
  /** What the functions would log, as events. */
  readonly log = new MemoryJobLog();
  /** Every delivery to a worker, in order. */
  readonly runs: WorkerRun[] = [];
  private readonly layout = new StoreLayout();
  private readonly createDeps: CreateJobDeps;
  private readonly sweepDeps: SweepDeps;
  private readonly runTimes = new RecentRunTimes();
  private readonly queue: MemoryJobQueue;
  private readonly timers: MemoryJobTimers;

  constructor(options: TestEnvironmentOptions) {
    const seed = options.seed ?? 1;
    this.store = new MemoryDocumentStore({ clock: this.clock, seed });
    this.queue = new MemoryJobQueue(this.clock);
    this.timers = new MemoryJobTimers(this.clock);
    const access: StoreAccess = {
      store: this.store,
      layout: this.layout,
      clock: this.clock,
      random: seededRandom(seed + 1),
      timings: DEFAULT_STORE_TIMINGS,
    };
    const capacity = options.capacity ?? 10;
    this.createDeps = {
      access,
      queue: this.queue,
      timers: this.timers,
      log: this.log,
      tasks: new TaskRegistry(options.tasks),
      capacity: () => capacity,
      retentionDays: () => 30,
      limits: () => ({
        maxInputBytes: options.maxInputBytes ?? 10_240,
        maxActiveJobsPerUser: options.maxActiveJobsPerUser ?? 100,
        maxWaitsPerUser: 5,
      }),
    };
    this.sweepDeps = { ...this.createDeps, dispatchGraceMs: () => DISPATCH_GRACE_MS };
    this.queue.subscribe((message) => this.deliver(message));
    this.timers.subscribe((jobId) => this.wake(jobId));
  }

  /** createJob as the callable runs it for a signed-in `owner`; rejects as it would (an Error with its `code`). */
  createJob(owner: string, request: unknown): Promise<CreateJobResponse> {
    return createJob(owner, request, this.createDeps);
  }

  /** createJobs, the batch create, as the callable runs it for `owner`. */
  createJobs(owner: string, request: unknown): Promise<CreateJobsResponse> {
    return createJobsBatch(owner, request, this.createDeps);
  }

  /** cancelJob as the callable runs it for `owner`. */
  cancelJob(owner: string, id: string): Promise<CancelJobResponse> {
    return cancelJob(owner, { id }, this.createDeps);
  }

  /** signalJob as the callable runs it for the job's `owner`. */
  signalJob(owner: string, request: unknown): Promise<SignalJobResponse> {
    return signalJob(owner, request, this.createDeps);
  }

  /** signalJob as the app's server sends it (`asyncJobs(…).server.signalJob`): to any user's job. */
  signalJobFromServer(request: unknown): Promise<SignalJobResponse> {
    return signalJobFromServer(request, this.createDeps);
  }

  /** Moves the clock `ms` on, running every timer that comes due and letting each step settle. */
  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  /** Moves the clock on until nothing is left to happen (every job done, or waiting for a signal with no timeout). */
  runUntilIdle(): Promise<void> {
    return this.clock.runUntilIdle();
  }

  /** One run of the recovery sweep at the clock's time, as the deployed schedule runs it every minute. */
  sweep(): Promise<SweepReport> {
    return sweep(this.sweepDeps, this.clock.now());
  }

  /**
   * Kills the worker process running the job now, as a crashed instance: true if one was running. The job stays
   * RUNNING with its lease until the lease lapses; then `sweep` takes it back and it runs again from its last step.
   */
  crashWorker(jobId: string): boolean {
    const running = this.runs.filter((run) => run.jobId === jobId && !run.finished && !run.process.killed);
    for (const run of running) run.process.kill();
    return running.length > 0;
  }

  /** The job as stored (times in epoch ms), or undefined when there is none. */
  job(id: string): Job | undefined {
    const doc = this.store.peek(this.layout.job(id));
    return doc && jobAt(doc).job;
  }

  /** What the step `name` of the job stored, or undefined when it has not finished. */
  stepResult(id: string, name: string): unknown {
    return this.store.peek(`${this.layout.job(id)}/steps/${name}`)?.data.result;
  }

  /** A delivery: the worker's run of the job, in a process of its own. */
  private async deliver(message: QueuedMessage): Promise<void> {
    const process = this.clock.process();
    const run: WorkerRun = { jobId: message.jobId, messageId: message.messageId, process, finished: false };
    this.runs.push(run);
    await runJob(message.jobId, message.type, message.sent, message.messageId, this.workerDeps(process));
    run.finished = true;
  }

  /** A timer's wake-up, as the wake function runs it; one not due yet sets its timer again. */
  private async wake(jobId: string): Promise<void> {
    const deps = this.workerDeps(this.clock.process());
    const woken = await wakeJob(deps, jobId);
    if (woken.kind === 'not-due') await setWakeTimer(deps, jobId, woken.dueAt);
  }

  /** A worker's dependencies inside `process`: its store calls and publishes stop when it is killed. */
  private workerDeps(process: SimulatedProcess): RunJobDeps {
    return {
      ...this.sweepDeps,
      access: { ...this.createDeps.access, store: processStore(this.store, process), clock: process.clock },
      queue: this.queue.forProcess(process),
      timings: DEFAULT_WORKER_TIMINGS,
      invocationTimeoutMs: INVOCATION_TIMEOUT_MS,
      staleCheckRate: 0,
      runTimes: this.runTimes,
    };
  }
}
