import type { JobState } from './job-state';
import { shouldRetry, type RetryPolicy } from './retry-policy';

/** What the recovery sweep does with one job it found. */
export type RecoveryAction =
  /** Still CREATED long after it should have run: its message was lost; publish it again. */
  | 'republish'
  /** RUNNING past its lease with attempts left: queue another attempt. */
  | 'retry'
  /** RUNNING past its lease on its last attempt. */
  | 'fail'
  /** RUNNING past its lease with a cancel request: honour it. */
  | 'cancel'
  /** Nothing to do (another worker or sweep got there first). */
  | 'none';

/** The fields the sweep decides on, times in epoch milliseconds. */
export interface RecoveryView {
  state: JobState;
  attempts: number;
  cancelRequested?: boolean;
  dispatchTimeMs?: number;
  leaseExpireTimeMs?: number;
}

export interface RecoveryTimings {
  /** How long after its dispatch time a CREATED job may wait for its message before it is re-published. */
  dispatchGraceMs: number;
}

/** The sweep's decision for one job at time `now`. */
export function decideRecovery(
  job: RecoveryView,
  policy: RetryPolicy,
  now: number,
  timings: RecoveryTimings,
): RecoveryAction {
  if (job.state === 'CREATED') {
    const due = job.dispatchTimeMs ?? 0;
    return now - due > timings.dispatchGraceMs ? 'republish' : 'none';
  }
  if (job.state !== 'RUNNING' || job.leaseExpireTimeMs === undefined || now < job.leaseExpireTimeMs) return 'none';
  if (job.cancelRequested) return 'cancel';
  return shouldRetry(job.attempts, policy) ? 'retry' : 'fail';
}
