import type { TaskMessageData } from '@async-jobs/contract';
import { setGlobalOptions } from 'firebase-functions/v2/options';
import { onCall, onRequest, type CallableOptions, type HttpsOptions } from 'firebase-functions/v2/https';
import { onMessagePublished, type PubSubOptions } from 'firebase-functions/v2/pubsub';
import { onSchedule, type ScheduleOptions } from 'firebase-functions/v2/scheduler';
import { lazyDependencies } from './composition';
import { config, params } from './config';
import type { TaskDefinition } from './core/tasks/task';
import { handleCancelJobCall, handleCreateJobCall } from './entry/callable';
import { handleHttpRequest } from './entry/http/http-api';
import { handleTaskMessage } from './entry/worker';

// Every function's options are chosen here rather than left to defaults (README "Configuration" says why, and
// test/deploy/deploy-manifest.test.ts checks them in what `firebase deploy` uploads). The region is a param,
// JOBS_REGION in functions/.env, so a deployment picks it without a code change.
// App Check is enforced by the handlers (ENFORCE_APP_CHECK, read per call): firebase-functions reads an
// `enforceAppCheck` param at load time, which deploy-time discovery warns about.
const callableOptions = {
  memory: '256MiB',
  // I/O-bound (a few Firestore reads and writes, one publish), so one instance serves many calls at once: fewer
  // instances and cold starts. 2nd gen allows concurrency > 1 only with a whole vCPU.
  cpu: 1,
  concurrency: 80,
  // The work takes milliseconds; a call stuck longer fails instead of holding its client.
  timeoutSeconds: 30,
  // A cost cap: at most 10 instances x 80 calls at once.
  maxInstances: 10,
} as const satisfies CallableOptions;

const httpApiOptions = {
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

const workerOptions = {
  topic: config.jobsTopic,
  // WORKER_MEMORY_MB (256 by default): the SDKs and a task; primes below 10⁹ peak at about 100 MiB with them.
  memory: params.workerMemoryMb,
  // The 1st-gen CPU share for the memory (256 MiB: a sixth of a vCPU) instead of firebase-functions' default of a
  // whole one: a job's run time is billed at the CPU it holds, and most tasks wait on I/O (a 10 s sleep bills
  // 10 s of it; see docs/benchmarks.md). Primes below 10⁹ take about 10 s on a whole core, so about a minute at
  // 256 MiB, well inside their 300 s limit. firebase-functions takes no param for `cpu`, so WORKER_MEMORY_MB sets
  // both.
  cpu: 'gcf_gen1',
  // WORKER_MAX_INSTANCES x WORKER_CONCURRENCY is the pool's capacity: the dispatch sends no more jobs than that
  // at once (core/use-cases/dispatch.ts), so deliveries do not queue at Cloud Run. One job per instance by
  // default: `primes` is CPU-bound, and two sieves sharing a CPU would each run at half speed against their limit.
  concurrency: params.workerConcurrency,
  maxInstances: params.workerMaxInstances,
  // 540 s, the most an event-triggered function may run: a retry's backoff wait + the task's time limit + grace.
  timeoutSeconds: config.workerTimeoutSeconds,
  // A delivery that fails for the platform's reasons (the instance died, the function timed out, Cloud Run
  // answered 429) is redelivered by Pub/Sub with backoff (10 s to 600 s, for up to 24 h): the claim makes a
  // repeat harmless, and the worker never throws for a job's own failure, which its own retries handle.
  retry: true,
} as const satisfies PubSubOptions;

const sweepOptions = {
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
 * The deployed functions for a set of task types: thin wiring of each trigger to its entry point, on the
 * dependencies of the composition root. `index.ts` exports them for the production tasks; the test suite's own
 * functions entry (test/fixtures/functions) exports them for the production and test tasks.
 */
export function defineJobFunctions(tasks: readonly TaskDefinition[]) {
  const dependencies = lazyDependencies(tasks);
  // The region is a param, JOBS_REGION in functions/.env, so a deployment picks it without a code change.
  setGlobalOptions({ region: params.region });
  return {
    /** Callable `createJob({ type, input, requestId? })` → `{ id, type, state }`. Firebase Auth required. */
    createJob: onCall(callableOptions, async (request) => handleCreateJobCall(request, await dependencies())),

    /** Callable `cancelJob({ id })` → `{ id, state, cancelRequested }`. The job's owner only. */
    cancelJob: onCall(callableOptions, async (request) => handleCancelJobCall(request, await dependencies())),

    /**
     * The HTTP API (`POST /`, `GET /{id}`, `GET /`, `POST /{id}:cancel`, `DELETE /{id}`, `GET /{id}:wait`) for
     * curl, scripts and servers, with a Firebase ID token. CORS is open: auth is a bearer token, never a cookie.
     * The timeout leaves room for the longest `:wait` (60 s).
     */
    jobs: onRequest(httpApiOptions, async (req, res) => handleHttpRequest(req, res, await dependencies())),

    /**
     * The worker: one invocation per delivered task message. `retry: false`: the worker retries jobs itself (with
     * backoff, per task type) and the sweep recovers crashed workers, so Pub/Sub redelivery would only retry twice
     * over; the handler never throws for a job's own failure.
     */
    runJob: onMessagePublished<TaskMessageData>(workerOptions, async (event) =>
      handleTaskMessage(event.data.message, await dependencies()),
    ),

    /** The recovery sweep: lost publishes and crashed workers (see core/use-cases/sweep.ts). */
    sweepJobs: onSchedule(sweepOptions, async () => {
      // Loaded here, not at the top: only the sweep needs it, and every other function loads faster without it.
      const { handleSweepSchedule } = await import('./entry/schedule');
      await handleSweepSchedule(await dependencies());
    }),
  };
}
