/**
 * The deployed functions: thin wiring around handlers in ./firebase that take their dependencies as arguments.
 */
import { setGlobalOptions } from 'firebase-functions/v2/options';
import { onCall, onRequest } from 'firebase-functions/v2/https';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { config } from './config';
import { handleCancelJob } from './firebase/cancel-job';
import { handleCreateJob } from './firebase/create-job';
import { getDependencies } from './firebase/dependencies';
import { handleJobMessage } from './firebase/run-job';
import { handleHttpRequest } from './http/http-api';
import type { TaskMessageData } from './job/task-message';

setGlobalOptions({ region: config.region, maxInstances: 10 });

// App Check is enforced by the handlers (ENFORCE_APP_CHECK, read per call): firebase-functions reads an
// `enforceAppCheck` param at load time, which deploy-time discovery warns about.
const callableOptions = { memory: '256MiB', timeoutSeconds: 30 } as const;

/** Callable `createJob({ type, input, requestId? })` → `{ id, type, state }`. Firebase Auth required. */
export const createJob = onCall(callableOptions, async (request) => handleCreateJob(request, await getDependencies()));

/** Callable `cancelJob({ id })` → `{ id, state, cancelRequested }`. The job's owner only. */
export const cancelJob = onCall(callableOptions, async (request) => handleCancelJob(request, await getDependencies()));

/**
 * The HTTP API (`POST /`, `GET /{id}`, `GET /`, `POST /{id}:cancel`, `DELETE /{id}`, `GET /{id}:wait`) for
 * curl, scripts and servers, with a Firebase ID token. CORS is open: auth is a bearer token, never a cookie.
 * The timeout leaves room for the longest `:wait` (60 s).
 */
export const jobs = onRequest({ cors: true, memory: '256MiB', timeoutSeconds: 90 }, async (req, res) =>
  handleHttpRequest(req, res, await getDependencies()),
);

/**
 * The worker: one invocation per delivered task message. `retry: false`: the worker retries jobs itself (with
 * backoff, per task type) and the sweep recovers crashed workers, so Pub/Sub redelivery would only retry twice
 * over; the handler never throws for a job's own failure.
 */
export const runJob = onMessagePublished<TaskMessageData>(
  { topic: config.jobsTopic, memory: '512MiB', timeoutSeconds: config.workerTimeoutSeconds, retry: false },
  async (event) => handleJobMessage(event.data.message, await getDependencies()),
);

/** The recovery sweep: lost publishes and crashed workers (see firebase/sweep.ts). */
export const sweepJobs = onSchedule({ schedule: config.sweepSchedule, timeoutSeconds: 300 }, async () => {
  // Loaded here, not at the top: the sweep's module brings the Firestore SDK, which no other function needs at load.
  const { handleSweep } = await import('./firebase/sweep');
  await handleSweep(await getDependencies(), Date.now());
});
