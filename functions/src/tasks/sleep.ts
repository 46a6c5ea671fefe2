import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineTask } from './task';

/**
 * The longest `worktime` a sleep job may ask for, in seconds. The worker's timeout (WORKER_TIMEOUT_SECONDS,
 * 540 s, the maximum for event-triggered functions) leaves a minute of margin for the claim and terminal writes.
 */
export const MAX_WORKTIME_SECONDS = 480;

/** The seed tutorial's result for a finished task. */
export const SLEEP_RESULT = 'OK completed';

export const sleepInput = z.strictObject({
  /** Seconds the task takes, as in the seed's `{"worktime":40}`. */
  worktime: z.number().min(0).max(MAX_WORKTIME_SECONDS),
});

export type SleepInput = z.infer<typeof sleepInput>;

/** The seed's task: wait `worktime` seconds, then report `"OK completed"`. */
export const sleepTask = defineTask({
  type: 'sleep',
  input: sleepInput,
  async run(input: SleepInput): Promise<string> {
    await delay(input.worktime * 1000);
    return SLEEP_RESULT;
  },
});
