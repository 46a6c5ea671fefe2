import type {
  AdminRetryJobResponse,
  CancelJobResponse,
  CreateJobResponse,
  CreateJobsResponse,
  SignalJobRequest,
  SignalJobResponse,
  TaskMessageData,
} from '@async-jobs/contract';
import type { CloudEvent, CloudFunction } from 'firebase-functions/v2';
import {
  onCall,
  onRequest,
  type CallableFunction,
  type CallableOptions,
  type HttpsFunction,
  type HttpsOptions,
} from 'firebase-functions/v2/https';
import { onMessagePublished, type MessagePublishedData, type PubSubOptions } from 'firebase-functions/v2/pubsub';
import { onSchedule, type ScheduleFunction, type ScheduleOptions } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched, type TaskQueueFunction, type TaskQueueOptions } from 'firebase-functions/v2/tasks';
import { lazyDependencies } from './composition';
import { config, params } from './config';
import { DEFAULT_POOL, type TaskDefinition } from './core/tasks/task';
import { poolTopic, STANDARD_POOL, workerFunctionName, type PoolDefinition, type WorkerFunctionName } from './pools';
import {
  handleAdminCancelJobCall,
  handleAdminRetryJobCall,
  handleCancelJobCall,
  handleCreateJobCall,
  handleCreateJobsCall,
  handleSignalJobCall,
} from './entry/callable';
import { handleHttpRequest } from './entry/http/http-api';
import { signalJobAsServer } from './entry/server';
import { checkExportsOnceLoaded } from './export-check';
import { handleTaskMessage } from './entry/worker';

// Every function's options are chosen here rather than left to defaults (docs/configuration.md says why, and
// test/deploy/deploy-manifest.test.ts checks them in what `firebase deploy` uploads). The region is a param,
// JOBS_REGION in functions/.env, so a deployment picks it without a code change; it is set on each function, not
// globally, so the app's other functions keep their own.
// App Check is enforced by the handlers (ENFORCE_APP_CHECK, read per call): firebase-functions reads an
// `enforceAppCheck` param at load time, which deploy-time discovery warns about.
const callableOptions = {
  region: params.region,
  memory: '256MiB',
  // I/O-bound (a few Firestore reads and writes, one publish), so one instance serves many calls at once: fewer
  // instances and cold starts. 2nd gen allows concurrency > 1 only with a whole vCPU.
  cpu: 1,
  concurrency: 80,
  // The work takes milliseconds. Under contention a create gives up by its own deadline (a 20 s store budget, up
  // to 10 s more to finish a batch it began, then a publish of at most 5 s and a dispatch of 2 s) and answers
  // `unavailable`; the platform's timeout is past that, so it never cuts a create off as `internal`.
  timeoutSeconds: 60,
  // A cost cap: at most 10 instances x 80 calls at once.
  maxInstances: 10,
} as const satisfies CallableOptions;

const httpApiOptions = {
  region: params.region,
  cors: true,
  memory: '256MiB',
  // A `GET /{id}:wait` holds its request on a listener for up to 60 s using no CPU; with concurrency 1 each
  // waiting client would hold an instance of its own. Concurrency > 1 needs a whole vCPU.
  cpu: 1,
  concurrency: 80,
  // The longest `:wait` (60 s) plus room for its reads and the answer.
  timeoutSeconds: 90,
  // A cost cap, as for the callables.
  maxInstances: 10,
} as const satisfies HttpsOptions;

const sweepOptions = {
  region: params.region,
  schedule: config.sweepSchedule,
  // A few queries and one small transaction per job found: little memory, and the 1st-gen CPU share (a sixth
  // of a vCPU) is plenty for one sweep at a time.
  memory: '256MiB',
  cpu: 'gcf_gen1',
  concurrency: 1,
  // One sweep at a time: two would only contend for the same jobs' transactions.
  maxInstances: 1,
  // One schedule interval, so a sweep ends before the next starts (and well inside Cloud Scheduler's attempt
  // deadline); jobs it did not reach wait for the next run, which is also its retry.
  timeoutSeconds: 60,
  retryCount: 0,
} as const satisfies ScheduleOptions;

/**
 * The wake function's queue: a wake-up finds its job (a few reads, one commit) and dispatches it, so it is I/O-bound
 * and one instance serves many (an early one waits, using no CPU; entry/wake.ts). A failed wake-up (Firestore
 * unavailable) is tried again within seconds, for up to about an hour; past that the sweep wakes the job.
 */
const wakeOptions = {
  region: params.region,
  memory: '256MiB',
  cpu: 1,
  concurrency: 80,
  // Room for an early wake-up's wait (EARLY_WAKE_WAIT_MS) and the wake itself.
  timeoutSeconds: 540,
  maxInstances: 10,
  retryConfig: {
    maxAttempts: 20,
    maxRetrySeconds: 3600,
    minBackoffSeconds: 1,
    maxBackoffSeconds: 300,
    maxDoublings: 8,
  },
  rateLimits: { maxConcurrentDispatches: 500, maxDispatchesPerSecond: 100 },
} as const satisfies TaskQueueOptions;

/** What asyncJobs builds the functions from. */
export interface AsyncJobsOptions<Tasks extends readonly TaskDefinition[], Pools extends readonly PoolDefinition[]> {
  /** The app's task types (defineTask). */
  tasks: Tasks;
  /** Worker pools besides `standard` (definePool), each named by a task: each is a worker function of its own. */
  pools?: Pools;
}

/**
 * What the app's own server code may do, with the Admin SDK's rights, in the functions' process (not a Cloud
 * Function: nothing to export, nothing deployed).
 */
export interface AsyncJobsServer {
  /**
   * Sends a signal to any user's job that waits for it (`waitForSignal`), as its owner's `signalJob` does, with the
   * same checks: from a webhook (a payment provider's, a reviewer's tool) or another function. Rejects with an
   * Error whose `code` is what a client would be told (`not-found`, `failed-precondition` when the job does not wait
   * for it now, `invalid-argument` with `field`, `unavailable`).
   */
  signalJob(request: SignalJobRequest): Promise<SignalJobResponse>;
}

/** A pool's worker function. */
export type WorkerFunction = CloudFunction<CloudEvent<MessagePublishedData<TaskMessageData>>>;

/**
 * The functions asyncJobs returns: those every deployment has, one worker per pool (`runJob` for `standard`,
 * `runJob<Pool>` for each pool given, `PoolName`; see workerFunctionName), and `server`, for the app's own code. The
 * worker names are exact: destructuring a name no pool has (`runJobImage` for the pool `images`) fails to compile.
 */
export type AsyncJobsFunctions<PoolName extends string = never> = {
  /** For the app's own server code (a webhook, another function): not a Cloud Function, not to be exported. */
  server: AsyncJobsServer;
  /** Callable `createJob({ type, input, requestId?, delaySeconds? })` → `{ id, type, state }`. Firebase Auth required. */
  createJob: CallableFunction<unknown, Promise<CreateJobResponse>>;
  /** Callable `createJobs({ jobs: [{ type, input }, …], requestId? })` → `{ jobs: [{ id, type, state }] }`: up to 500. */
  createJobs: CallableFunction<unknown, Promise<CreateJobsResponse>>;
  /** Callable `cancelJob({ id })` → `{ id, state, cancelRequested }`. The job's owner only. */
  cancelJob: CallableFunction<unknown, Promise<CancelJobResponse>>;
  /** Callable `signalJob({ id, name, payload })` → `{ id, name, state }`: a signal the job waits for. Its owner only. */
  signalJob: CallableFunction<unknown, Promise<SignalJobResponse>>;
  /**
   * Callable `adminCancelJob({ id })` → `{ id, state, cancelRequested }`: cancels any user's job. Operators only (the
   * custom claim `admin: true`; docs/console.md).
   */
  adminCancelJob: CallableFunction<unknown, Promise<CancelJobResponse>>;
  /**
   * Callable `adminRetryJob({ id })` → `{ id, type, state, retryOf }`: a new job retrying any user's FAILED or
   * CANCELLED job, for its owner. Operators only.
   */
  adminRetryJob: CallableFunction<unknown, Promise<AdminRetryJobResponse>>;
  /** The HTTP API for curl, scripts and servers, with a Firebase ID token. */
  jobs: HttpsFunction;
  /** The recovery sweep, every minute. */
  sweepJobs: ScheduleFunction;
  /** Wakes parked jobs at their time (a sleep's end, a signal's timeout, a retry's backoff, a delayed start): a Cloud Tasks queue function. */
  wakeJobs: TaskQueueFunction<unknown>;
} & { [Name in WorkerFunctionName<typeof DEFAULT_POOL | PoolName>]: WorkerFunction };

/**
 * The Cloud Functions of async-jobs for an app's task types: export them from the app's `index.ts` under these
 * names, which are the deployed functions' names (clients call `createJob`, `createJobs`, `cancelJob`, `signalJob` and
 * `jobs`; the operator
 * console calls `adminCancelJob` and `adminRetryJob`):
 *
 *     export const { createJob, createJobs, cancelJob, signalJob, adminCancelJob, adminRetryJob, jobs, runJob,
 *       sweepJobs, wakeJobs } = asyncJobs({ tasks });
 *
 * The `standard` pool and each pool given are a worker of their own (`runJob`, and `runJob<Pool>`); a pool given
 * that no task names, or a task naming a pool not given, fails at load. Settings are firebase-functions params
 * (JOBS_REGION, MAX_ACTIVE_JOBS_PER_USER, WORKER_*...: docs/configuration.md); every function's options are chosen
 * here, none left to a default.
 */
export function asyncJobs<
  const Tasks extends readonly TaskDefinition[],
  const Pools extends readonly PoolDefinition[] = [],
>(options: AsyncJobsOptions<Tasks, Pools>): AsyncJobsFunctions<Pools[number]['name']> {
  const pools = new Map<string, PoolDefinition>([[STANDARD_POOL.name, STANDARD_POOL]]);
  for (const pool of options.pools ?? []) {
    if (pools.has(pool.name)) throw new Error(`two pools are named "${pool.name}"`);
    pools.set(pool.name, pool);
  }
  const used = new Set(options.tasks.map((task) => task.pool ?? DEFAULT_POOL));
  for (const name of used) {
    if (!pools.has(name)) throw new Error(`a task names the pool "${name}", which asyncJobs was not given`);
  }
  for (const pool of options.pools ?? []) {
    if (!used.has(pool.name)) throw new Error(`the pool "${pool.name}" is given, but no task names it`);
  }
  const dependencies = lazyDependencies(options.tasks, pools);
  const functions: Record<string, unknown> = {
    createJob: onCall(callableOptions, async (request) => handleCreateJobCall(request, await dependencies())),
    createJobs: onCall(callableOptions, async (request) => handleCreateJobsCall(request, await dependencies())),
    cancelJob: onCall(callableOptions, async (request) => handleCancelJobCall(request, await dependencies())),
    signalJob: onCall(callableOptions, async (request) => handleSignalJobCall(request, await dependencies())),
    // The operator console's actions (docs/console.md): rare calls, so the callables' options serve them too.
    adminCancelJob: onCall(callableOptions, async (request) => handleAdminCancelJobCall(request, await dependencies())),
    adminRetryJob: onCall(callableOptions, async (request) => handleAdminRetryJobCall(request, await dependencies())),
    jobs: onRequest(httpApiOptions, async (req, res) => handleHttpRequest(req, res, await dependencies())),
    sweepJobs: onSchedule(sweepOptions, async () => {
      // Loaded here, not at the top: only the sweep needs it, and every other function loads faster without it.
      const { handleSweepSchedule } = await import('./entry/schedule');
      await handleSweepSchedule(await dependencies());
    }),
    wakeJobs: onTaskDispatched(wakeOptions, async (request) => {
      const { handleWakeTask } = await import('./entry/wake');
      await handleWakeTask(request.data, await dependencies());
    }),
  };
  for (const pool of pools.values()) {
    functions[workerFunctionName(pool.name)] = onMessagePublished<TaskMessageData>(workerOptions(pool), async (event) =>
      handleTaskMessage(event.data.message, await dependencies()),
    );
  }
  checkExportsOnceLoaded(functions);
  const server: AsyncJobsServer = {
    signalJob: async (request) => signalJobAsServer(request, await dependencies()),
  };
  return { ...functions, server } as AsyncJobsFunctions<Pools[number]['name']>;
}

/**
 * A pool's worker: one invocation per delivered task message, on the pool's topic. `retry: true`: a delivery the
 * platform failed (an instance that died, a timeout, a 429) is redelivered by Pub/Sub with backoff (10 s to 600 s,
 * for up to 24 h); the claim makes a repeat harmless, and the worker never throws for a job's own failure, which its
 * own retries handle. The pool's capacity (maxInstances × concurrency) is also what the dispatch sends at most at
 * once (core/use-cases/dispatch.ts), so deliveries do not queue at Cloud Run.
 */
function workerOptions(pool: PoolDefinition): PubSubOptions {
  return {
    topic: poolTopic(pool.name),
    region: params.region,
    memory: pool.memory,
    cpu: pool.cpu,
    concurrency: pool.concurrency,
    maxInstances: pool.maxInstances,
    timeoutSeconds: pool.timeoutSeconds,
    retry: true,
  };
}
