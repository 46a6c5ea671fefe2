import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { MemoryJobRepository } from '../../library/src/adapters/memory/memory-job-repository';
import { SimulatedClock } from '../../library/src/adapters/memory/simulated-clock';
import type { SimulatedProcess } from '../../library/src/adapters/memory/simulated-process';
import { sleep } from '../../library/src/core/ports/clock';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { createJob, type CreateJobDeps } from '../../library/src/core/use-cases/create-job';
import { sweep, type SweepDeps } from '../../library/src/core/use-cases/sweep';
import type { WorkerTimings } from '../../library/src/core/worker/worker-timings';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { CloudRunService, type CloudRunSettings } from './cloud-run-service';
import { Metrics } from './metrics';
import { PubSubPush, type MessageFaults, type PushRetryPolicy } from './pubsub-push';
import { RandomStreams } from './seeded';

/** How the simulated project is set up: the design under test, and the platform around it. */
export interface PlatformSettings {
  /** The pool's dispatch capacity (slots): how many jobs are sent to workers at once. */
  dispatchCapacity: number;
  worker: CloudRunSettings;
  push: PushRetryPolicy;
  faults: MessageFaults & {
    /** Handler runs whose instance is killed mid-job. */
    handlerCrashRate: number;
  };
  /** How often Cloud Scheduler runs the sweep, and the sweep's own settings. */
  sweepIntervalMs: number;
  sweepBatchSize: number;
  dispatchGraceMs: number;
  /** The worker's timings (the lease, its renewal). */
  timings: WorkerTimings;
  /** Whether a worker looks for stale jobs when its job ends (the design before left them to the sweep). */
  staleCheckAtJobEnd: boolean;
  maxActiveJobsPerUser: number;
  seed: number;
}

/** The task every simulated job runs: `seconds` of work on the simulated clock, stopped by its signal. */
const WORK_TYPE = 'work';

/**
 * The project as production runs it, in simulated time: the real use cases (createJob, the worker's entry, the
 * sweep) on the in-memory repository, and around them the models of Pub/Sub push (PubSubPush), the worker's
 * Cloud Run service (CloudRunService) and Cloud Scheduler (a timer every sweepIntervalMs). Nothing of the code
 * under test knows it is simulated: it sees its ports.
 */
export class Platform {
  readonly clock = new SimulatedClock();
  readonly metrics = new Metrics(this.clock);
  readonly jobs: MemoryJobRepository;
  readonly service: CloudRunService;
  readonly topic: PubSubPush;
  private readonly tasks: TaskRegistry;
  private readonly random: RandomStreams;
  /** The process running the current request, so the task can crash it. */
  private readonly currentProcess = new AsyncLocalStorage<SimulatedProcess>();
  private sweeping = false;
  private stopScheduler: (() => void) | undefined;

  constructor(private readonly settings: PlatformSettings) {
    this.random = new RandomStreams(settings.seed);
    this.jobs = MemoryJobRepository.create({ clock: this.clock, seed: settings.seed });
    this.tasks = new TaskRegistry([this.workTask()]);
    this.service = new CloudRunService(this.clock, settings.worker);
    this.topic = new PubSubPush(
      this.clock,
      this.service,
      (message, process) =>
        this.currentProcess.run(process, () => handleTaskMessage(message, this.workerDeps(process))),
      settings.push,
      settings.faults,
      this.random.stream('messages'),
    );
  }

  /** The simulated task: works `seconds` on the clock; some runs have their instance killed partway. */
  private workTask() {
    const crashes = () => this.random.stream('crashes');
    return defineTask({
      type: WORK_TYPE,
      input: z.strictObject({ seconds: z.number().min(0) }),
      timeoutSeconds: 60,
      run: async ({ seconds }, { jobId, signal }) => {
        const process = this.currentProcess.getStore();
        if (process && crashes()() < this.settings.faults.handlerCrashRate) {
          this.clock.setTimer(crashes()() * seconds * 1000, () => {
            this.metrics.handlerCrashed(jobId);
            process.kill();
          });
        }
        await sleep(this.clock, seconds * 1000, signal);
        this.metrics.handlerReturned(jobId);
        return 'done';
      },
    });
  }

  private capacity = () => this.settings.dispatchCapacity;

  private workerDeps(process: SimulatedProcess) {
    const jobs = this.jobs.forProcess(process);
    return {
      // The design before had no stale check at a job's end: its worker found no stale job to look at.
      jobs: this.settings.staleCheckAtJobEnd
        ? jobs
        : Object.assign(Object.create(jobs) as typeof jobs, {
            queuedBefore: () => Promise.resolve([]),
            leaseExpiredBefore: () => Promise.resolve([]),
          }),
      queue: this.topic,
      tasks: this.tasks,
      clock: process.clock,
      log: this.metrics,
      timings: this.settings.timings,
      retentionDays: () => 30,
      dispatchGraceMs: () => this.settings.dispatchGraceMs,
      capacity: this.capacity,
    };
  }

  private callableDeps(): CreateJobDeps {
    return {
      jobs: this.jobs,
      queue: this.topic,
      tasks: this.tasks,
      clock: this.clock,
      log: this.metrics,
      capacity: this.capacity,
      limits: () => ({
        maxInputBytes: 10_240,
        maxActiveJobsPerUser: this.settings.maxActiveJobsPerUser,
        maxWaitsPerUser: 5,
      }),
    };
  }

  /** A user's createJob call for `seconds` of work, as the callable makes it. */
  async submit(owner: string, seconds: number): Promise<void> {
    await createJob(owner, { type: WORK_TYPE, input: { seconds } }, this.callableDeps());
  }

  /** Cloud Scheduler: the sweep every interval, one run at a time (its function has maxInstances: 1). */
  startScheduler(): void {
    const tick = () => {
      this.stopScheduler = this.clock.setTimer(this.settings.sweepIntervalMs, tick);
      if (this.sweeping) return;
      this.sweeping = true;
      const process = this.clock.process();
      const deps: SweepDeps = { ...this.workerDeps(process), jobs: this.jobs.forProcess(process) };
      void sweep(deps, this.clock.now(), this.settings.sweepBatchSize).finally(() => {
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
    return { running: this.jobs.idsInState('RUNNING').length, waiting: this.jobs.idsInState('CREATED').length };
  }
}
