import { z } from 'zod';
import { TaskError } from '../job/job-error';
import { abortableDelay } from './abortable-delay';
import { defineTask } from './task';

/**
 * Task types that exist only for the test suite, to drive the failure paths end to end. The registry adds
 * them only inside the Functions emulator with ASYNC_JOBS_TEST_TASKS=true (set by `npm test`), never in a
 * deploy. Their retry backoff is a few milliseconds so the tests stay fast.
 */
const FAST_RETRY = { initialBackoffMs: 20, maxBackoffMs: 100 };

const failInput = z.strictObject({
  message: z.string().max(200),
  /** When given, the handler throws a permanent TaskError with this code; otherwise a plain Error (transient). */
  code: z.enum(['invalid-argument', 'failed-precondition', 'not-found', 'internal']).optional(),
});

/** Always fails, with the message (and code) it is given. */
export const failTask = defineTask({
  type: 'test.fail',
  input: failInput,
  retry: FAST_RETRY,
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(input): Promise<never> {
    throw input.code ? new TaskError(input.code, input.message) : new Error(input.message);
  },
});

/** Fails transiently until its `succeedOnAttempt`th attempt, then completes with the attempt number. */
export const flakyTask = defineTask({
  type: 'test.flaky',
  input: z.strictObject({ succeedOnAttempt: z.number().int().min(1).max(10) }),
  retry: FAST_RETRY,
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(input, { attempt }): Promise<string> {
    if (attempt < input.succeedOnAttempt) {
      throw new TaskError('unavailable', `transient failure on attempt ${attempt}`, { transient: true });
    }
    return `succeeded on attempt ${attempt}`;
  },
});

/**
 * Kills its worker process on the first attempt (as an out-of-memory kill or a crash would), leaving the
 * job RUNNING with a lease only the recovery sweep can end; completes on a later attempt.
 */
export const crashTask = defineTask({
  type: 'test.crash',
  input: z.strictObject({}),
  retry: FAST_RETRY,
  timeoutSeconds: 5,
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(_input, { attempt }): Promise<string> {
    if (attempt === 1) process.exit(13);
    return `recovered on attempt ${attempt}`;
  },
});

/** Ignores its abort signal and never ends by itself: only the worker's time limit and grace can end the job. */
export const hangTask = defineTask({
  type: 'test.hang',
  input: z.strictObject({ seconds: z.number().min(0).max(60) }),
  timeoutSeconds: 1,
  async run(input): Promise<string> {
    await abortableDelay(input.seconds * 1000, new AbortController().signal);
    return 'should have been stopped';
  },
});

/** Reports progress `reports` times as fast as it can, then once more at 100 %. */
export const chattyTask = defineTask({
  type: 'test.chatty',
  input: z.strictObject({ reports: z.number().int().min(1).max(100_000), seconds: z.number().min(0).max(10) }),
  async run(input, { progress, signal }): Promise<number> {
    const pauseMs = (input.seconds * 1000) / input.reports;
    for (let i = 1; i <= input.reports; i++) {
      progress((i / input.reports) * 100, `report ${i}`);
      await abortableDelay(pauseMs, signal);
    }
    return input.reports;
  },
});

/** Where test.record counts completed runs: `testRuns/{jobId}.completions`. */
export const TEST_RUNS_COLLECTION = 'testRuns';

/**
 * A job for load and fault tests: fails transiently before `succeedOnAttempt`, kills its worker process on
 * `crashOnAttempt`, and otherwise counts its completion in Firestore, so a test can prove no job's handler
 * ran to completion twice.
 */
export const recordTask = defineTask({
  type: 'test.record',
  input: z.strictObject({
    succeedOnAttempt: z.number().int().min(1).max(10).optional(),
    crashOnAttempt: z.number().int().min(1).max(10).optional(),
  }),
  retry: FAST_RETRY,
  timeoutSeconds: 10,
  async run(input, { jobId, attempt }): Promise<string> {
    if (attempt === input.crashOnAttempt) process.exit(13);
    if (attempt < (input.succeedOnAttempt ?? 1)) {
      throw new TaskError('unavailable', `transient failure on attempt ${attempt}`, { transient: true });
    }
    // Imported here so that loading the task registry never loads the Admin SDK.
    const [{ getApps, initializeApp }, { FieldValue, getFirestore }] = await Promise.all([
      import('firebase-admin/app'),
      import('firebase-admin/firestore'),
    ]);
    const db = getFirestore(getApps()[0] ?? initializeApp());
    await db
      .collection(TEST_RUNS_COLLECTION)
      .doc(jobId)
      .set({ completions: FieldValue.increment(1) }, { merge: true });
    return `recorded on attempt ${attempt}`;
  },
});

export const TEST_TASKS = [failTask, flakyTask, crashTask, hangTask, chattyTask, recordTask] as const;
