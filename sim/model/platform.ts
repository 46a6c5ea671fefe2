import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { sleep } from '../../library/src/core/ports/clock';
import { StoreLayout } from '../../library/src/core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess } from '../../library/src/core/store/store-access';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { createJob, createJobsBatch, type CreateJobDeps } from '../../library/src/core/use-cases/create-job';
import type { CoreDeps } from '../../library/src/core/use-cases/dispatch';
import { sweep, type SweepDeps } from '../../library/src/core/use-cases/sweep';
import type { WorkerDeps } from '../../library/src/core/worker/run-delivery';
import { RecentRunTimes } from '../../library/src/core/worker/recent-run-times';
import type { WorkerTimings } from '../../library/src/core/worker/worker-timings';
import { handleWakeTask } from '../../library/src/entry/wake';
import { MemoryJobTimers } from '../../library/src/testing/memory-job-timers';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { MemoryDocumentStore } from '../../library/src/testing/memory-document-store';
import { processStore } from '../../library/src/testing/process-document-store';
import { SimulatedClock } from '../../library/src/testing/simulated-clock';
import type { SimulatedProcess } from '../../library/src/testing/simulated-process';
import { CloudRunService, type CloudRunSettings } from './cloud-run-service';
import { FirestoreModel } from './firestore-model';
import type { FirestoreParameters } from './firestore-parameters';
import { Metrics } from './metrics';
import { PubSubPush, type MessageFaults, type PushRetryPolicy } from './pubsub-push';
import { RandomStreams } from './seeded';

/** How the simulated project is set up: the design under test, and the platform around it. */
export interface PlatformSettings {
  /** The pool's slots: its worker instances × concurrency. */
  capacity: number;
  worker: CloudRunSettings;
  /** The callables' Cloud Run service (createJob and createJobs). */
  callable: CloudRunSettings;
  push: PushRetryPolicy;
  faults: MessageFaults & {
    /** Handler runs whose instance is killed partway. */
    handlerCrashRate: number;
  };
  firestore: FirestoreParameters;
  /** How often Cloud Scheduler runs the sweep. */
  sweepIntervalMs: number;
  dispatchGraceMs: number;
  timings: WorkerTimings;
  /** The share of job ends that look for stale jobs. */
  staleCheckRate: number;
  maxActiveJobsPerUser: number;
  /** The worker function's own time limit. */
  invocationTimeoutMs: number;
  seed: number;
}

/** The task every simulated job runs. */
export const WORK_TYPE = 'work';

/** What a submission did. */
export type Submitted = { ok: true; ids: string[] } | { ok: false; error: unknown };

/**
 * The project as production runs it, in simulated time: the real use cases (createJob and createJobs behind the
 * callables, the worker's entry, the sweep) on the in-memory store behind the Firestore model (latency, one writer
 * at a time per document at Firestore's sustained rate, contention aborts), and around them the models of the
 * callables' and the worker's Cloud Run services (CloudRunService: instances, cold starts, 429s), Pub/Sub push
 * (PubSubPush) and Cloud Scheduler (a timer every sweepIntervalMs). Nothing of the code under test knows it is
 * simulated: it sees its ports.
 */
export class Platform {
  readonly clock = new SimulatedClock({ settleTurns: 1 });
  readonly metrics = new Metrics(this.clock);
  readonly store: MemoryDocumentStore;
  readonly firestore: FirestoreModel;
  readonly workers: CloudRunService;
  readonly callables: CloudRunService;
  readonly topic: PubSubPush;
  /** Cloud Tasks: wake-ups of suspended jobs at their time (the scenarios' task has no sleep; continuations do). */
  readonly timers: MemoryJobTimers;
  readonly layout = new StoreLayout();
  /** Creates or batch creates that failed (the targets want none refused for contention). */
  readonly failedSubmissions: unknown[] = [];
  private readonly tasks: TaskRegistry;
  /** One for all the worker instances, as if each had seen the latest run. */
  private readonly runTimes = new RecentRunTimes();
  private readonly random: RandomStreams;
  private readonly decisions: () => number;
  /** The process running the current request, so the task can crash it. */
  private readonly currentProcess = new AsyncLocalStorage<SimulatedProcess>();
  private sweeping = false;
  private stopScheduler: (() => void) | undefined;

  constructor(private readonly settings: PlatformSettings) {
    this.random = new RandomStreams(settings.seed);
    this.decisions = this.random.stream('protocol');
    this.store = new MemoryDocumentStore({ clock: this.clock, seed: settings.seed });
    this.firestore = new FirestoreModel(this.store, this.clock, settings.firestore, this.random.stream('firestore'));
    this.tasks = new TaskRegistry([this.workTask()]);
    this.workers = new CloudRunService(this.clock, settings.worker);
    this.callables = new CloudRunService(this.clock, settings.callable);
    this.topic = new PubSubPush(
      this.clock,
      this.workers,
      (message, process) =>
        this.currentProcess.run(process, () => handleTaskMessage(message, this.workerDeps(process))),
      settings.push,
      settings.faults,
      this.random.stream('messages'),
    );
    this.timers = new MemoryJobTimers(this.clock);
    this.timers.subscribe((jobId) => handleWakeTask({ jobId }, this.coreDeps(this.access())));
  }

  /** The simulated task: works `ms` on the clock, stopping when its signal aborts; some runs are crashed partway. */
  private workTask() {
    const crashes = this.random.stream('crashes');
    return defineTask({
      type: WORK_TYPE,
      input: z.strictObject({ ms: z.number().min(0) }),
      timeoutSeconds: 450,
      run: async ({ ms }, { jobId, attempt, signal }) => {
        const process = this.currentProcess.getStore();
        const stopped = this.metrics.handlerStarted(jobId, attempt);
        if (process && crashes() < this.settings.faults.handlerCrashRate) {
          this.clock.setTimer(crashes() * ms, () => {
            if (process.killed) return;
            this.metrics.handlerCrashed(jobId);
            stopped();
            process.kill();
          });
        }
        try {
          await sleep(this.clock, ms, signal);
          this.metrics.handlerReturned(jobId);
          return 'done';
        } finally {
          stopped();
        }
      },
    });
  }

  private access(
    store = this.firestore as StoreAccess['store'],
    clock = this.clock as StoreAccess['clock'],
  ): StoreAccess {
    return { store, layout: this.layout, clock, random: this.decisions, timings: DEFAULT_STORE_TIMINGS };
  }

  private coreDeps(access: StoreAccess, process?: SimulatedProcess): CoreDeps {
    return {
      access,
      queue: process ? { publish: (id, type, sent) => process.guard(this.topic.publish(id, type, sent)) } : this.topic,
      timers: this.timers,
      log: this.metrics,
      tasks: this.tasks,
      capacity: () => this.settings.capacity,
      retentionDays: () => 30,
    };
  }

  private workerDeps(process: SimulatedProcess): WorkerDeps {
    const access = this.access(processStore(this.firestore, process), process.clock);
    return {
      ...this.coreDeps(access, process),
      timings: this.settings.timings,
      dispatchGraceMs: () => this.settings.dispatchGraceMs,
      invocationTimeoutMs: this.settings.invocationTimeoutMs,
      staleCheckRate: this.settings.staleCheckRate,
      runTimes: this.runTimes,
    };
  }

  private callableDeps(process: SimulatedProcess): CreateJobDeps {
    const access = this.access(processStore(this.firestore, process), process.clock);
    return {
      ...this.coreDeps(access, process),
      limits: () => ({
        maxInputBytes: 10_240,
        maxActiveJobsPerUser: this.settings.maxActiveJobsPerUser,
        maxWaitsPerUser: 5,
      }),
    };
  }

  /** A user's createJob call for `ms` of work, through the callables' service. */
  submit(owner: string, ms: number): Promise<Submitted> {
    return this.call((deps) => createJob(owner, { type: WORK_TYPE, input: { ms } }, deps).then((r) => [r.id]));
  }

  /** A user's createJobs call (at most 500 jobs), through the callables' service. */
  submitBatch(owner: string, durationsMs: readonly number[]): Promise<Submitted> {
    const jobs = durationsMs.map((ms) => ({ type: WORK_TYPE, input: { ms } }));
    return this.call((deps) => createJobsBatch(owner, { jobs }, deps).then((r) => r.jobs.map((job) => job.id)));
  }

  private async call(work: (deps: CreateJobDeps) => Promise<string[]>): Promise<Submitted> {
    let answer: Submitted = { ok: false, error: new Error('the callable did not answer') };
    const outcome = await this.callables.request(async (process) => {
      try {
        answer = { ok: true, ids: await work(this.callableDeps(process)) };
      } catch (error) {
        answer = { ok: false, error };
      }
    });
    if (outcome !== 'ok') answer = { ok: false, error: new Error(`the callable's service answered: ${outcome}`) };
    if (!answer.ok) this.failedSubmissions.push(answer.error);
    return answer;
  }

  /** Cloud Scheduler: the sweep every interval, one run at a time (its function has maxInstances: 1). */
  startScheduler(): void {
    const tick = () => {
      this.stopScheduler = this.clock.setTimer(this.settings.sweepIntervalMs, tick);
      if (this.sweeping) return;
      this.sweeping = true;
      const process = this.clock.process();
      const deps: SweepDeps = {
        ...this.coreDeps(this.access(processStore(this.firestore, process), process.clock), process),
        dispatchGraceMs: () => this.settings.dispatchGraceMs,
      };
      void sweep(deps, this.clock.now())
        .catch(() => undefined)
        .finally(() => {
          this.sweeping = false;
        });
    };
    this.stopScheduler = this.clock.setTimer(this.settings.sweepIntervalMs, tick);
  }

  stopSchedulerNow(): void {
    this.stopScheduler?.();
  }

  /** How many jobs are running and how many are CREATED (waiting for a slot, a delivery or a retry) now. */
  census(): { running: number; waiting: number } {
    let running = 0;
    let waiting = 0;
    for (const job of this.metrics.notDone.values()) {
      if (job.firstStartAt !== undefined && job.runs.some((run) => run.stop === undefined)) running += 1;
      else waiting += 1;
    }
    return { running, waiting };
  }
}
