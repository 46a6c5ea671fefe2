import type { TaskQueue } from 'firebase-admin/functions';
import type { Millis } from '../../core/job';
import type { JobTimers } from '../../core/ports/job-timers';

/** The body of a wake-up task: the job to wake. */
export interface WakeTaskData {
  jobId: string;
}

/**
 * The longest delay a timer is set for: Cloud Tasks takes a schedule time up to 30 days ahead, less a margin for
 * the clocks. A later time is reached in steps: the wake-up that comes at this limit finds the job not due and sets
 * the next timer (entry/wake.ts).
 */
export const MAX_TIMER_DELAY_MS = 30 * 24 * 60 * 60 * 1000 - 60 * 60 * 1000;

/**
 * How long Cloud Tasks waits for a wake-up to answer before it counts it failed: the wake function's timeout, so a
 * wake-up that waits for its job's time (entry/wake.ts) is not cut off and tried again while it waits (the
 * default is 60 s on the emulator, 10 minutes in production).
 */
export const WAKE_DISPATCH_DEADLINE_SECONDS = 540;

/**
 * Timers as Cloud Tasks tasks on the wake function's queue (`wakeJobs`, an onTaskDispatched function), each
 * scheduled at its time: Cloud Tasks dispatches it then, to the second in practice, and retries a failed wake-up
 * with the queue's backoff. No task id is given: a second timer for the same job and time (a retried suspension)
 * costs one more wake-up, which finds nothing to do.
 */
export class CloudTasksJobTimers implements JobTimers {
  constructor(
    private readonly queue: Pick<TaskQueue<WakeTaskData>, 'enqueue'>,
    private readonly now: () => Millis,
  ) {}

  async wakeAt(jobId: string, time: Millis): Promise<void> {
    const at = Math.max(this.now(), Math.min(time, this.now() + MAX_TIMER_DELAY_MS));
    const scheduleTime = new Date(at);
    await this.queue.enqueue({ jobId }, { scheduleTime, dispatchDeadlineSeconds: WAKE_DISPATCH_DEADLINE_SECONDS });
  }
}
