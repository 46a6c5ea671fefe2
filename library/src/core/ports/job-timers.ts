import type { Millis } from '../job';

/**
 * Wakes a suspended job at a time (a sleep's end, a retry's backoff): the wake use case (use-cases/wake.ts) runs for
 * the job then, or soon after. Cloud Tasks in functions (its longest delay is 30 days: a later time is reached in
 * steps, each wake-up that comes early setting the next); the simulated clock in tests.
 */
export interface JobTimers {
  /**
   * Has the job woken at `time`. Calling it again for the same job and time sets no second timer (the request is
   * idempotent), and a wake-up that comes anyway finds nothing to do: waking is decided on the job as read.
   */
  wakeAt(jobId: string, time: Millis): Promise<void>;
}
