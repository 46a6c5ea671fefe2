import type { Job } from './job';
import { shouldRetry, type RetryPolicy } from './retry-policy';

/** What the recovery sweep does with one job it found. */
export type RecoveryAction =
  /**
   * Sent (it holds a slot) long ago and still CREATED, or still suspended when sent to go on: its message was lost;
   * send it again.
   */
  | 'republish'
  /** RUNNING past its lease with attempts left: queue another attempt. */
  | 'retry'
  /** RUNNING past its lease on its last attempt. */
  | 'fail'
  /** Its owner asked to cancel it (RUNNING past its lease, or CREATED): honour it. */
  | 'cancel'
  /** Nothing to do (its worker, another sweep or the owner got there first). */
  | 'none';

export interface RecoveryTimings {
  /** How long after its dispatch time a CREATED job may wait for its message before it is sent again. */
  dispatchGraceMs: number;
}

/** The sweep's decision for one job at time `now` (epoch ms). */
export function decideRecovery(
  job: Pick<Job, 'state' | 'attempts' | 'cancelRequested' | 'dispatchTime' | 'leaseExpireTime' | 'waiting' | 'slot'>,
  policy: RetryPolicy,
  now: number,
  timings: RecoveryTimings,
): RecoveryAction {
  if (job.state === 'CREATED') {
    if (job.cancelRequested === true) return 'cancel';
    // A job waiting for a slot has no message to lose: a dispatch sends it when a slot frees. One holding no slot
    // waits out a retry's backoff: its timer (or the sweep's wake-up) queues it, not a message.
    if (job.waiting === true || job.dispatchTime === null || job.dispatchTime === undefined) return 'none';
    if (job.slot === null) return 'none';
    return now - job.dispatchTime > timings.dispatchGraceMs ? 'republish' : 'none';
  }
  const lease = job.leaseExpireTime ?? undefined;
  if (job.state === 'RUNNING' && lease === undefined) {
    // Suspended: no worker holds it. One sent to go on (it holds a slot) whose message is late is sent again; one
    // parked (no slot) is woken by the sweep (use-cases/wake.ts), not here.
    if (job.cancelRequested === true) return 'cancel';
    const sent = job.waiting !== true && typeof job.slot === 'number' && typeof job.dispatchTime === 'number';
    return sent && now - (job.dispatchTime as number) > timings.dispatchGraceMs ? 'republish' : 'none';
  }
  if (job.state !== 'RUNNING' || lease === undefined || now < lease) return 'none';
  if (job.cancelRequested === true) return 'cancel';
  return shouldRetry(job.attempts, policy) ? 'retry' : 'fail';
}
