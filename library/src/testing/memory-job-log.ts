import type { JobError, JobState } from '@async-jobs/contract';
import type { JobDurations } from '../core/job';
import type { AttemptLogContext, JobLog } from '../core/ports/job-log';

/** The name of a JobLog event. */
export type JobLogEvent = keyof JobLog;

/** One event as the memory log keeps it: its name, the job it is about (if any), and its arguments. */
export interface LoggedEvent {
  event: JobLogEvent;
  jobId: string | undefined;
  args: readonly unknown[];
}

/**
 * A JobLog that keeps every event in memory instead of writing it anywhere, so a test can check what the worker,
 * the sweep and the use cases reported, and in which order.
 */
export class MemoryJobLog implements JobLog {
  readonly events: LoggedEvent[] = [];

  /** The events named `event`, about `jobId` if given. */
  of(event: JobLogEvent, jobId?: string): LoggedEvent[] {
    return this.events.filter((e) => e.event === event && (jobId === undefined || e.jobId === jobId));
  }

  /** The names of the events about `jobId`, in order. */
  namesFor(jobId: string): JobLogEvent[] {
    return this.events.filter((e) => e.jobId === jobId).map((e) => e.event);
  }

  private record(event: JobLogEvent, jobId: string | undefined, ...args: unknown[]): void {
    this.events.push({ event, jobId, args });
  }

  jobCreated(jobId: string, type: string, owner: string): void {
    this.record('jobCreated', jobId, type, owner);
  }
  jobDispatched(jobId: string, type: string, pool: string): void {
    this.record('jobDispatched', jobId, type, pool);
  }
  dispatchFailed(pool: string, err: unknown): void {
    this.record('dispatchFailed', undefined, pool, err);
  }
  leaseRenewalFailed(jobId: string, err: unknown): void {
    this.record('leaseRenewalFailed', jobId, err);
  }
  recoveryFailed(jobId: string, err: unknown): void {
    this.record('recoveryFailed', jobId, err);
  }
  sweepMarkFailed(pool: string, err: unknown): void {
    this.record('sweepMarkFailed', undefined, pool, err);
  }
  staleCheckFailed(err: unknown): void {
    this.record('staleCheckFailed', undefined, err);
  }
  jobSuspended(at: AttemptLogContext, reason: 'continue' | 'sleep' | 'signal', dueAt: number): void {
    this.record('jobSuspended', at.jobId, at, reason, dueAt);
  }
  timerFailed(jobId: string, err: unknown): void {
    this.record('timerFailed', jobId, err);
  }
  publishFailed(jobId: string, err: unknown): void {
    this.record('publishFailed', jobId, err);
  }
  poisonMessage(messageId: string | undefined, reason: string): void {
    this.record('poisonMessage', undefined, messageId, reason);
  }
  jobNotFound(jobId: string, messageId: string | undefined): void {
    this.record('jobNotFound', jobId, messageId);
  }
  duplicateDelivery(jobId: string, state: JobState, messageId: string | undefined): void {
    this.record('duplicateDelivery', jobId, state, messageId);
  }
  jobStarted(at: AttemptLogContext, queueMillis: number): void {
    this.record('jobStarted', at.jobId, at, queueMillis);
  }
  taskErrorWithheld(at: AttemptLogContext, logId: string, err: unknown): void {
    this.record('taskErrorWithheld', at.jobId, at, logId, err);
  }
  jobCompleted(at: AttemptLogContext, durations: JobDurations): void {
    this.record('jobCompleted', at.jobId, at, durations);
  }
  jobEnded(at: AttemptLogContext, state: JobState, error: JobError, durations: JobDurations): void {
    this.record('jobEnded', at.jobId, at, state, error, durations);
  }
  jobRetrying(at: AttemptLogContext, error: JobError, delayMs: number, runMillis: number): void {
    this.record('jobRetrying', at.jobId, at, error, delayMs, runMillis);
  }
  jobCancelled(at: AttemptLogContext, from: JobState): void {
    this.record('jobCancelled', at.jobId, at, from);
  }
  jobRecovered(at: AttemptLogContext, action: string): void {
    this.record('jobRecovered', at.jobId, at, action);
  }
  terminalWriteFailed(at: AttemptLogContext, state: JobState, err: unknown): void {
    this.record('terminalWriteFailed', at.jobId, at, state, err);
  }
  terminalWriteSkipped(jobId: string, state: JobState | undefined): void {
    this.record('terminalWriteSkipped', jobId, state);
  }
  progressWriteFailed(jobId: string, err: unknown): void {
    this.record('progressWriteFailed', jobId, err);
  }
  cancelWatchFailed(jobId: string, err: unknown): void {
    this.record('cancelWatchFailed', jobId, err);
  }
  httpInternalError(method: string, path: string, err: unknown): void {
    this.record('httpInternalError', undefined, method, path, err);
  }
}
