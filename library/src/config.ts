import { defineBoolean, defineInt, defineString } from 'firebase-functions/params';
import { DEFAULT_MAX_INPUT_BYTES } from './core/create-request';

/**
 * Settings a deployment chooses, as firebase-functions params: set them in functions/.env (or
 * .env.<project>), or answer the CLI's prompt at deploy; the defaults are documented in docs/configuration.md.
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
  /**
   * Jobs one user may have not done (CREATED or RUNNING) at once; createJob past it is resource-exhausted. Exact
   * for jobs that wait; creates racing for free slots may pass it by the slots they take (docs/protocol.md). High enough for batch use: jobs past the workers' capacity wait their turn, fairly.
   */
  maxActiveJobsPerUser: defineInt('MAX_ACTIVE_JOBS_PER_USER', {
    default: 100,
    description: 'Jobs a user may have not done at once',
  }),
  /** Requests of one user that may wait on a job (the HTTP API's `:wait`) at once; past it, 429. */
  maxWaitsPerUser: defineInt('MAX_WAITS_PER_USER', {
    default: 5,
    description: 'Requests a user may have waiting on jobs at once',
  }),
  /**
   * The worker's instances: with WORKER_CONCURRENCY, how many jobs run at once project-wide (the pool's
   * capacity: jobs beyond it wait, CREATED, and start in fair order as workers free).
   */
  workerMaxInstances: defineInt('WORKER_MAX_INSTANCES', {
    default: 10,
    description: 'Worker instances (capacity = instances x concurrency)',
  }),
  /** Jobs one worker instance runs at once; more than 1 needs a whole vCPU (WORKER_MEMORY_MB of 2048 or more). */
  workerConcurrency: defineInt('WORKER_CONCURRENCY', {
    default: 1,
    description: 'Jobs per worker instance',
  }),
  /**
   * The worker's memory in MiB. Its CPU is the 1st-gen share for that memory (firebase-functions takes no param
   * for `cpu`): 256 → 1/6 vCPU, 512 → 1/3, 1024 → 0.58, 2048 → 1, 4096 → 2.
   */
  workerMemoryMb: defineInt('WORKER_MEMORY_MB', {
    default: 256,
    description: 'Worker memory in MiB (its CPU follows)',
  }),
  /** The largest task input createJob accepts, in bytes of JSON. */
  maxInputBytes: defineInt('MAX_INPUT_BYTES', {
    default: DEFAULT_MAX_INPUT_BYTES,
    description: 'Largest task input, in bytes of JSON',
  }),
  /**
   * Seconds a job sent to a worker may stay unclaimed before its message is taken for lost and sent again. A sent
   * job is claimed within a second or two, so 5 s finds a lost message fast; the emulator, whose workers start far
   * more slowly, sets more in functions/.env.local.
   */
  dispatchGraceSeconds: defineInt('DISPATCH_GRACE_SECONDS', {
    default: 5,
    description: 'Seconds a sent job may stay unclaimed before it is sent again',
  }),
  /** Days a done job is kept before Firestore's TTL policy deletes it. */
  jobRetentionDays: defineInt('JOB_RETENTION_DAYS', {
    default: 30,
    description: 'Days a done job is kept (TTL on expireTime)',
  }),
  /** Require an App Check token on the callables and the HTTP API. */
  enforceAppCheck: defineBoolean('ENFORCE_APP_CHECK', {
    default: false,
    description: 'Require App Check on the callables and the HTTP API',
  }),
  /**
   * Whether users signed in anonymously may create jobs. An anonymous account costs nothing to make, so per-user
   * limits do not hold a script that makes many; a deployment whose app has real sign-in turns this off.
   */
  allowAnonymousCreates: defineBoolean('ALLOW_ANONYMOUS_CREATES', {
    default: true,
    description: 'Let users signed in anonymously create jobs',
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
