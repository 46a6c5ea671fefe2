import type { Job } from './job';
import { shouldRetry, type RetryPolicy } from './retry-policy';

/** What the recovery sweep does with one job it found. */
export type RecoveryAction =
  /** Still CREATED long after it should have run: its message was lost; send it again. */
  | 'republish'
  /** RUNNING past its lease with attempts left: queue another attempt. */
  | 'retry'
  /** RUNNING past its lease on its last attempt. */
  | 'fail'
  /** RUNNING past its lease with a cancel request: honour it. */
  | 'cancel'
  /** Nothing to do (another worker or sweep got there first). */
  | 'none';

export interface RecoveryTimings {
  /** How long after its dispatch time a CREATED job may wait for its message before it is sent again. */
  dispatchGraceMs: number;
}

/** The sweep's decision for one job at time `now` (epoch ms). */
export function decideRecovery(
  job: Pick<Job, 'state' | 'attempts' | 'cancelRequested' | 'dispatchTime' | 'leaseExpireTime' | 'waiting'>,
  policy: RetryPolicy,
  now: number,
  timings: RecoveryTimings,
): RecoveryAction {
  if (job.state === 'CREATED') {
    // A job waiting for a slot (dispatchTime null) has no message to lose: the dispatch sends it when a slot frees.
    if (job.waiting === true || job.dispatchTime === null) return 'none';
    // A job without the field (a document written before it existed) counts as overdue.
    const due = job.dispatchTime ?? 0;
    return now - due > timings.dispatchGraceMs ? 'republish' : 'none';
  }
  const lease = job.leaseExpireTime ?? undefined;
  if (job.state !== 'RUNNING' || lease === undefined || now < lease) return 'none';
  if (job.cancelRequested) return 'cancel';
  return shouldRetry(job.attempts, policy) ? 'retry' : 'fail';
}
