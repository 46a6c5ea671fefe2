import type { Clock } from '../ports/clock';
import type { JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { DispatchOperations } from '../ports/job-repository';

/** What sending waiting jobs to free worker slots needs. */
export interface DispatchDeps {
  jobs: DispatchOperations;
  queue: JobQueue;
  clock: Clock;
  log: JobLog;
  /** How many jobs the pool's workers run at once (instances × concurrency), read per call. */
  capacity(pool: string): number;
}

/**
 * The most jobs one call sends: a create or an ending job frees at most one slot, so more only happens after the
 * capacity was raised or a send was missed; the next call or the sweep takes the rest.
 */
export const MAX_DISPATCHES_PER_CALL = 10;

/**
 * Sends `pool`'s waiting jobs, lowest rank first, to its free worker slots until none is free, none waits, or
 * `max` were sent; returns how many were. Called when a job is created, when one ends (its slot is free), and by
 * the sweep, so a free slot never sits idle while a job waits. Never throws: what it could not do is the next
 * call's or the sweep's. A send that fails leaves the job dispatched with its slot, and the sweep sends it again
 * after the dispatch grace, as for any lost message; a dispatch that fails leaves the job waiting.
 */
export async function dispatchWaitingJobs(
  deps: DispatchDeps,
  pool: string,
  max = MAX_DISPATCHES_PER_CALL,
): Promise<number> {
  let sent = 0;
  while (sent < max) {
    let dispatched;
    try {
      dispatched = await deps.jobs.dispatchNext(pool, deps.capacity(pool), deps.clock.now());
    } catch (e) {
      deps.log.dispatchFailed(pool, e);
      break;
    }
    if (dispatched.kind !== 'dispatched') break;
    sent += 1;
    deps.log.jobDispatched(dispatched.jobId, dispatched.type, pool);
    try {
      await deps.queue.publish(dispatched.jobId, dispatched.type);
    } catch (e) {
      deps.log.publishFailed(dispatched.jobId, e);
    }
  }
  return sent;
}
