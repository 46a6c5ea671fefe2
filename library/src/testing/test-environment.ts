import type { CancelJobResponse, CreateJobResponse, CreateJobsResponse, SignalJobResponse } from '@async-jobs/contract';
import type { Job } from '../core/job';
import type { TaskDefinition } from '../core/tasks/task';
import { cancelJob } from '../core/use-cases/cancel-job';
import { createJob, createJobsBatch } from '../core/use-cases/create-job';
import { signalJob, signalJobFromServer } from '../core/use-cases/signal-job';
import type { SweepReport } from '../core/use-cases/sweep';
import type { MemoryDocumentStore } from './memory-document-store';
import type { MemoryJobLog } from './memory-job-log';
import { simulatedPlatform, type SimulatedPlatform, type WorkerRun } from './simulated-platform';
import type { SimulatedClock } from './simulated-clock';

export type { WorkerRun } from './simulated-platform';

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
  readonly clock: SimulatedClock;
  /** The in-memory store the jobs live in (`peek`, `peekCollection` read it without a read being counted). */
  readonly store: MemoryDocumentStore;
  /** What the functions would log, as events. */
  readonly log: MemoryJobLog;
  /** Every delivery to a worker, in order. */
  readonly runs: WorkerRun[];
  private readonly platform: SimulatedPlatform<MemoryDocumentStore>;

  constructor(options: TestEnvironmentOptions) {
    const platform = simulatedPlatform({
      tasksOn: () => options.tasks,
      wrapStore: (store) => store,
      capacity: options.capacity ?? 10,
      seed: options.seed,
      limits: { maxInputBytes: options.maxInputBytes, maxActiveJobsPerUser: options.maxActiveJobsPerUser },
    });
    this.platform = platform;
    this.clock = platform.clock;
    this.store = platform.store;
    this.log = platform.log;
    this.runs = platform.runs;
  }

  /** createJob as the callable runs it for a signed-in `owner`; rejects as it would (an Error with its `code`). */
  createJob(owner: string, request: unknown): Promise<CreateJobResponse> {
    return createJob(owner, request, this.platform.createDeps);
  }

  /** createJobs, the batch create, as the callable runs it for `owner`. */
  createJobs(owner: string, request: unknown): Promise<CreateJobsResponse> {
    return createJobsBatch(owner, request, this.platform.createDeps);
  }

  /** cancelJob as the callable runs it for `owner`. */
  cancelJob(owner: string, id: string): Promise<CancelJobResponse> {
    return cancelJob(owner, { id }, this.platform.createDeps);
  }

  /** signalJob as the callable runs it for the job's `owner`. */
  signalJob(owner: string, request: unknown): Promise<SignalJobResponse> {
    return signalJob(owner, request, this.platform.createDeps);
  }

  /** signalJob as the app's server sends it (`asyncJobs(…).server.signalJob`): to any user's job. */
  signalJobFromServer(request: unknown): Promise<SignalJobResponse> {
    return signalJobFromServer(request, this.platform.createDeps);
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
    return this.platform.sweep();
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
    return this.platform.peekJob(id);
  }

  /** What the step `name` of the job stored, or undefined when it has not finished. */
  stepResult(id: string, name: string): unknown {
    return this.store.peek(`${this.platform.layout.job(id)}/steps/${name}`)?.data.result;
  }
}
