/**
 * Timings of the worker, passed to it as arguments so tests can choose small values. Budget of one worker
 * invocation: wait for a retry's backoff (≤ maxBackoff, 60 s) + the handler's time limit (≤
 * MAX_TASK_TIMEOUT_SECONDS) + cancel grace + writes, all inside the worker function's timeout.
 */
export interface WorkerTimings {
  /**
   * How long a claim holds the job without news of its worker: the worker renews it every `leaseRenewalMs` while
   * it runs, so a live worker never loses it, and a dead one's job is taken back (by the next job's end or the
   * sweep) about this long after it died, whatever the task's time limit.
   */
  leaseMs: number;
  /** How often a running worker renews its lease: a third of it, so one missed renewal costs nothing. */
  leaseRenewalMs: number;
  /** How long a cancelled or timed-out handler gets to stop before the worker ends the job without it. */
  abortGraceMs: number;
  /** At most one progress write per this interval. */
  progressIntervalMs: number;
}

export const DEFAULT_WORKER_TIMINGS: WorkerTimings = {
  leaseMs: 30_000,
  leaseRenewalMs: 10_000,
  abortGraceMs: 5_000,
  progressIntervalMs: 1_000,
};

/** The longest time limit a task may declare, so wait + run + grace fit the worker's timeout. */
export const MAX_TASK_TIMEOUT_SECONDS = 450;
