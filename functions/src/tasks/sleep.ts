import type { SleepInput, SleepResult } from '@async-jobs/app-tasks';
import { abortableDelay, defineTask } from '@async-jobs/functions';
import { z } from 'zod';

/** The sleep task's time limit: the largest a task may have (MAX_TASK_TIMEOUT_SECONDS). */
export const SLEEP_TIMEOUT_SECONDS = 450;

/** The longest `worktime` a sleep job may ask for, in seconds: its time limit less a margin. */
export const MAX_WORKTIME_SECONDS = 420;

/** The seed tutorial's result for a finished task. */
export const SLEEP_RESULT = 'OK completed';

/** The schema of @async-jobs/app-tasks' SleepInput (`satisfies` keeps the two the same shape). */
export const sleepInput = z.strictObject({
  /** Seconds the task takes, as in the seed's `{"worktime":40}`. */
  worktime: z.number().min(0).max(MAX_WORKTIME_SECONDS),
}) satisfies z.ZodType<SleepInput>;

/** The seed's task: wait `worktime` seconds, reporting progress each second, then `"OK completed"`. */
export const sleepTask = defineTask({
  type: 'sleep',
  input: sleepInput,
  timeoutSeconds: SLEEP_TIMEOUT_SECONDS,
  async run(input: SleepInput, { signal, progress }): Promise<SleepResult> {
    const totalMs = input.worktime * 1000;
    for (let elapsedMs = 0; elapsedMs < totalMs;) {
      const stepMs = Math.min(1000, totalMs - elapsedMs);
      await abortableDelay(stepMs, signal);
      elapsedMs += stepMs;
      progress((elapsedMs / totalMs) * 100, `slept ${Math.round(elapsedMs / 1000)} s of ${input.worktime} s`);
    }
    return SLEEP_RESULT;
  },
});
