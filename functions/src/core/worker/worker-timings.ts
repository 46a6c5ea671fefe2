/**
 * Timings of the worker, passed to it as arguments so tests can choose small values. Budget of one worker
 * invocation: wait for a retry's backoff (≤ maxBackoff, 60 s) + the handler's time limit (≤
 * MAX_TASK_TIMEOUT_SECONDS) + cancel grace + writes, all inside the worker function's timeout.
 */
export interface WorkerTimings {
  /** Added to the task's time limit to make the lease: covers the claim, the cancel grace and the writes. */
  leaseMarginMs: number;
  /** How long a cancelled or timed-out handler gets to stop before the worker ends the job without it. */
  abortGraceMs: number;
  /** At most one progress write per this interval. */
  progressIntervalMs: number;
}

export const DEFAULT_WORKER_TIMINGS: WorkerTimings = {
  leaseMarginMs: 60_000,
  abortGraceMs: 5_000,
  progressIntervalMs: 1_000,
};

/** The longest time limit a task may declare, so wait + run + grace fit the worker's timeout. */
export const MAX_TASK_TIMEOUT_SECONDS = 450;
