import { defineBoolean, defineInt, defineString } from 'firebase-functions/params';
import { DEFAULT_MAX_INPUT_BYTES } from './core/create-request';

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
 * Fixed settings of the functions in one object.
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
} as const;
