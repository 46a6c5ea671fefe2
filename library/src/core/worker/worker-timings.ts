/**
 * Timings of the worker, passed to it as arguments so tests can choose small values.
 */
export interface WorkerTimings {
  /**
   * How long a claim holds the job without news of its worker. The worker renews it while the job is its own, and
   * stops its handler before it can lapse when renewals fail; a dead worker's job is taken back (by another job's
   * end or the sweep) about this long after it died, whatever the task's time limit.
   */
  leaseMs: number;
  /** How often a running worker renews its lease when no progress write did: a third of it, so one missed renewal costs nothing. */
  leaseRenewalMs: number;
  /**
   * How long a cancelled or timed-out handler gets to stop before the worker ends the job without it; also how long
   * before its lease would lapse a worker that could not renew it stops its handler.
   */
  abortGraceMs: number;
  /**
   * At most one progress write per this interval: with the lease writes and the owner's, a job document stays near
   * Firestore's sustained rate of one write a second, and each write costs a read for every listener.
   */
  progressIntervalMs: number;
  /**
   * How long the progress write an interval allows waits before it is made, with the newest report by then: a
   * handler that reports its last progress just before it returns (the usual 100 %) has it written by its end, one
   * write fewer.
   */
  progressSettleMs: number;
  /**
   * How long a handler runs before the worker starts to follow the job for its owner's cancel request: a listener
   * costs a read per change of the job, which a job that ends sooner never pays.
   */
  cancelWatchDelayMs: number;
}

export const DEFAULT_WORKER_TIMINGS: WorkerTimings = {
  leaseMs: 30_000,
  leaseRenewalMs: 10_000,
  abortGraceMs: 5_000,
  progressIntervalMs: 2_000,
  progressSettleMs: 250,
  cancelWatchDelayMs: 1_000,
};
