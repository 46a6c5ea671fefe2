import { defineBoolean, defineInt, defineString } from 'firebase-functions/params';
import { DEFAULT_MAX_INPUT_BYTES } from './job/create-request';

/**
 * Settings a deployment chooses, as firebase-functions params: set them in functions/.env (or
 * .env.<project>), or answer the CLI's prompt at deploy; the defaults are documented in the README.
 */
export const params = {
  /**
   * The region every function is deployed to, and so the one clients call (the web app's VITE_FUNCTIONS_REGION
   * must match). Not FUNCTION_REGION: firebase-tools reserves that key, and the X_GOOGLE_, FIREBASE_ and EXT_
   * prefixes, for the runtime.
   */
  region: defineString('JOBS_REGION', {
    default: 'us-central1',
    description: 'Region of the functions (clients call them there)',
  }),
  /** Jobs one user may have not done (CREATED or RUNNING) at once; createJob past it is resource-exhausted. */
  maxActiveJobsPerUser: defineInt('MAX_ACTIVE_JOBS_PER_USER', {
    default: 10,
    description: 'Jobs a user may have not done at once',
  }),
  /** The largest task input createJob accepts, in bytes of JSON. */
  maxInputBytes: defineInt('MAX_INPUT_BYTES', {
    default: DEFAULT_MAX_INPUT_BYTES,
    description: 'Largest task input, in bytes of JSON',
  }),
  /** Days a done job is kept before Firestore's TTL policy deletes it. */
  jobRetentionDays: defineInt('JOB_RETENTION_DAYS', {
    default: 30,
    description: 'Days a done job is kept (TTL on expireTime)',
  }),
  /** Require an App Check token on the callables. */
  enforceAppCheck: defineBoolean('ENFORCE_APP_CHECK', {
    default: false,
    description: 'Require App Check on the callables',
  }),
};

/**
 * Fixed settings of the functions in one object; nothing else reads process.env.
 */
export const config = {
  /** The Firestore collection of job documents. */
  jobsCollection: 'jobs',
  /** The Pub/Sub topic tasks are published to; the worker is triggered by it. */
  jobsTopic: 'jobs',
  /** The worker's timeout: 540 s is the maximum for event-triggered functions (2nd gen). */
  workerTimeoutSeconds: 540,
  /** How often the recovery sweep runs (an onSchedule schedule). */
  sweepSchedule: 'every 1 minutes',
  /**
   * Test-only task types (tasks/test-tasks.ts) are served only inside the Functions emulator and only when the
   * test runner asks for them, so no deploy can ever run them.
   */
  testTasksEnabled: process.env.FUNCTIONS_EMULATOR === 'true' && process.env.ASYNC_JOBS_TEST_TASKS === 'true',
} as const;

/**
 * Timings of the worker and the sweep, passed to them as arguments so tests can choose small values.
 * Budget of one worker invocation: wait for a retry's backoff (≤ maxBackoff, 60 s) + the handler's time limit
 * (≤ MAX_TASK_TIMEOUT_SECONDS) + cancel grace + writes, all inside workerTimeoutSeconds.
 */
export interface WorkerTimings {
  /** Added to the task's time limit to make the lease: covers the claim, the cancel grace and the writes. */
  leaseMarginMs: number;
  /** How long a cancelled or timed-out handler gets to stop before the worker ends the job without it. */
  abortGraceMs: number;
  /** At most one progress write per this interval. */
  progressIntervalMs: number;
}

export const DEFAULT_WORKER_TIMINGS: WorkerTimings = {
  leaseMarginMs: 60_000,
  abortGraceMs: 5_000,
  progressIntervalMs: 1_000,
};

/** The longest time limit a task may declare, so wait + run + grace fit the worker's timeout. */
export const MAX_TASK_TIMEOUT_SECONDS = 450;
