import type { JobError, JobState } from '@async-jobs/contract';
import type { JobDurations } from '../job';

/** Who and what every log entry about a running job names (never the input: it is the user's data). */
export interface AttemptLogContext {
  jobId: string;
  type: string;
  owner: string;
  attempt: number;
}

/**
 * Named log events, one per thing that happens to a job. Inputs and results are never logged: they are the
 * user's data. Cloud Logging in functions (adapters/logging), a recording log in tests.
 */
export interface JobLog {
  jobCreated(jobId: string, type: string, owner: string): void;
  /** A waiting job got a slot of its pool and is being sent to a worker. */
  jobDispatched(jobId: string, type: string, pool: string): void;
  /** Sending a pool's waiting jobs to free slots failed; they wait for the next job's end or the sweep. */
  dispatchFailed(pool: string, err: unknown): void;
  publishFailed(jobId: string, err: unknown): void;
  poisonMessage(messageId: string | undefined, reason: string): void;
  jobNotFound(jobId: string, messageId: string | undefined): void;
  duplicateDelivery(jobId: string, state: JobState, messageId: string | undefined): void;
  jobStarted(at: AttemptLogContext, queueMillis: number): void;
  jobCompleted(at: AttemptLogContext, durations: JobDurations): void;
  jobEnded(at: AttemptLogContext, state: JobState, error: JobError, durations: JobDurations): void;
  jobRetrying(at: AttemptLogContext, error: JobError, delayMs: number, runMillis: number): void;
  jobCancelled(at: AttemptLogContext, from: JobState): void;
  /**
   * The handler threw an error whose message the owner does not see: this entry has it, with its stack, under
   * `logId`, the id the job's error carries.
   */
  taskErrorWithheld(at: AttemptLogContext, logId: string, err: unknown): void;
  /**
   * The attempt stopped between steps and gave its slot back, to go on at `dueAt` (a continuation, a sleep, a wait for a
   * signal: its timeout).
   */
  jobSuspended(at: AttemptLogContext, reason: 'continue' | 'sleep' | 'signal', dueAt: number): void;
  /** A suspended job's wake-up timer could not be set; the sweep wakes it once it is past due. */
  timerFailed(jobId: string, err: unknown): void;
  jobRecovered(at: AttemptLogContext, action: string): void;
  /** The attempt's end could not be written; the job stays RUNNING for the sweep. */
  terminalWriteFailed(at: AttemptLogContext, state: JobState, err: unknown): void;
  /** The attempt was superseded (the sweep, a cancel, another claim) before its end was written. */
  terminalWriteSkipped(jobId: string, state: JobState | undefined): void;
  progressWriteFailed(jobId: string, err: unknown): void;
  /** A lease renewal failed for now; the next one tries again. */
  leaseRenewalFailed(jobId: string, err: unknown): void;
  /** Recovering one stale job failed; the others are still recovered, and the next sweep tries it again. */
  recoveryFailed(jobId: string, err: unknown): void;
  /** Marking a pool swept failed (its lastSweepTime stays older); the sweep's work is done all the same. */
  sweepMarkFailed(pool: string, err: unknown): void;
  /** Looking for stale jobs when a job ended failed; the next job's end or the sweep looks again. */
  staleCheckFailed(err: unknown): void;
  cancelWatchFailed(jobId: string, err: unknown): void;
  httpInternalError(method: string, path: string, err: unknown): void;
}
