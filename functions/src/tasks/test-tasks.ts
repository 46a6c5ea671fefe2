import { z } from 'zod';
import { TaskError } from '../job/job-error';
import { defineTask } from './task';

/**
 * Task types that exist only for the test suite, to drive the failure paths end to end. The registry adds
 * them only inside the Functions emulator with ASYNC_JOBS_TEST_TASKS=true (set by `npm test`), never in a deploy.
 */

const failInput = z.strictObject({
  message: z.string().max(200),
  /** When given, the handler throws a TaskError with this code; otherwise a plain Error (→ `internal`). */
  code: z.enum(['invalid-argument', 'failed-precondition', 'not-found', 'internal']).optional(),
});

/** Always fails, with the message (and code) it is given. */
export const failTask = defineTask({
  type: 'test.fail',
  input: failInput,
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(input): Promise<never> {
    throw input.code ? new TaskError(input.code, input.message) : new Error(input.message);
  },
});

export const TEST_TASKS = [failTask] as const;
