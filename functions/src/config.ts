import { DEFAULT_MAX_INPUT_BYTES } from './job/create-request';

/**
 * Every setting of the functions in one object; nothing else reads process.env.
 */
export const config = {
  /** Where the functions run. */
  region: 'us-central1',
  /** The Firestore collection of job documents. */
  jobsCollection: 'jobs',
  /** The Pub/Sub topic tasks are published to; the worker is triggered by it. */
  jobsTopic: 'jobs',
  /** The worker's timeout: 540 s is the maximum for event-triggered functions (2nd gen). */
  workerTimeoutSeconds: 540,
  /** The largest task input accepted by createJob, in bytes of JSON. */
  maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  /**
   * Test-only task types (tasks/test-tasks.ts) are served only inside the Functions emulator and only when the
   * test runner asks for them, so no deploy can ever run them.
   */
  testTasksEnabled: process.env.FUNCTIONS_EMULATOR === 'true' && process.env.ASYNC_JOBS_TEST_TASKS === 'true',
} as const;
