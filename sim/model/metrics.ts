import type { JobState } from '@async-jobs/contract';
import type { Clock } from '../../library/src/core/ports/clock';
import type { AttemptLogContext, JobLog } from '../../library/src/core/ports/job-log';

/** What the simulation knows of one job, in simulated epoch ms. */
export interface JobTimeline {
  owner: string;
  createdAt: number;
  /** When a worker first claimed it. */
  firstStartAt?: number;
  /** When it reached a terminal state, and which. */
  doneAt?: number;
  state?: JobState;
  attempts: number;
  /** Handler runs that returned (the task's own count: a run on a killed instance counts too). */
  handlerCompletions: number;
  /** Handler runs whose instance was killed. */
  crashes: number;
  /** Each handler run: its attempt, and when it started and stopped (returned, threw, or its instance died). */
  runs: { attempt: number; start: number; stop?: number }[];
}

/** Event counts of the run, beyond the timelines. */
export interface EventCounts {
  dispatched: number;
  retries: number;
  republished: number;
  sweptRetry: number;
  sweptFail: number;
  duplicatesIgnored: number;
  publishFailed: number;
  terminalWriteFailed: number;
  recoveryFailed: number;
}

/**
 * The simulation's JobLog: instead of writing entries it keeps each job's timeline (created, first started,
 * ended) on the simulated clock, and counts the rest, for the scenario's figures.
 */
export class Metrics implements JobLog {
  readonly jobs = new Map<string, JobTimeline>();
  /** The jobs not done yet, for a census that does not walk every job made. */
  readonly notDone = new Map<string, JobTimeline>();
  readonly counts: EventCounts = {
    dispatched: 0,
    retries: 0,
    republished: 0,
    sweptRetry: 0,
    sweptFail: 0,
    duplicatesIgnored: 0,
    publishFailed: 0,
    terminalWriteFailed: 0,
    recoveryFailed: 0,
  };

  constructor(private readonly clock: Clock) {}

  private timeline(jobId: string): JobTimeline | undefined {
    return this.jobs.get(jobId);
  }

  /** How many jobs reached a terminal state. */
  done = 0;

  private end(jobId: string, state: JobState): void {
    const job = this.timeline(jobId);
    if (job && job.doneAt === undefined) {
      job.doneAt = this.clock.now();
      job.state = state;
      this.done += 1;
      this.notDone.delete(jobId);
    }
  }

  /** The handler of `jobId` returned (counted by the simulated task itself). */
  handlerReturned(jobId: string): void {
    const job = this.timeline(jobId);
    if (job) job.handlerCompletions += 1;
  }

  /** The instance running `jobId`'s handler was killed. */
  handlerCrashed(jobId: string): void {
    const job = this.timeline(jobId);
    if (job) job.crashes += 1;
  }

  /** A handler run of `jobId`'s attempt starts; the function returned stops it. */
  handlerStarted(jobId: string, attempt: number): () => void {
    const run: { attempt: number; start: number; stop?: number } = { attempt, start: this.clock.now() };
    this.timeline(jobId)?.runs.push(run);
    return () => {
      run.stop ??= this.clock.now();
    };
  }

  jobCreated(jobId: string, _type: string, owner: string): void {
    const job: JobTimeline = {
      owner,
      createdAt: this.clock.now(),
      attempts: 0,
      handlerCompletions: 0,
      crashes: 0,
      runs: [],
    };
    this.jobs.set(jobId, job);
    this.notDone.set(jobId, job);
  }
  jobDispatched(): void {
    this.counts.dispatched += 1;
  }
  publishFailed(): void {
    this.counts.publishFailed += 1;
  }
  dispatchFailed(): void {}
  jobSuspended(): void {}
  timerFailed(): void {}
  poisonMessage(): void {}
  jobNotFound(): void {}
  duplicateDelivery(): void {
    this.counts.duplicatesIgnored += 1;
  }
  jobStarted(at: AttemptLogContext): void {
    const job = this.timeline(at.jobId);
    if (!job) return;
    job.attempts = Math.max(job.attempts, at.attempt);
    job.firstStartAt ??= this.clock.now();
  }
  jobCompleted(at: AttemptLogContext): void {
    this.end(at.jobId, 'COMPLETED');
  }
  jobEnded(at: AttemptLogContext, state: JobState): void {
    this.end(at.jobId, state);
  }
  jobRetrying(): void {
    this.counts.retries += 1;
  }
  jobCancelled(): void {}
  taskErrorWithheld(): void {}
  sweepMarkFailed(): void {}
  jobRecovered(at: AttemptLogContext, action: string): void {
    if (action === 'republish') this.counts.republished += 1;
    if (action === 'retry') this.counts.sweptRetry += 1;
    if (action === 'fail') {
      this.counts.sweptFail += 1;
      this.end(at.jobId, 'FAILED');
    }
    if (action === 'cancel') this.end(at.jobId, 'CANCELLED');
  }
  terminalWriteFailed(): void {
    this.counts.terminalWriteFailed += 1;
  }
  terminalWriteSkipped(): void {}
  recoveryFailed(): void {
    this.counts.recoveryFailed += 1;
  }
  progressWriteFailed(): void {}
  leaseRenewalFailed(): void {}
  staleCheckFailed(): void {}
  cancelWatchFailed(): void {}
  httpInternalError(): void {}
}

/** The p-th percentile (0–100) of `values`, nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The most events in any window of `windowMs` among `times` (sorted or not). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
