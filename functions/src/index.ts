/**
 * The deployed functions: thin wiring around handlers in ./firebase that take their dependencies as arguments.
 */
import { setGlobalOptions } from 'firebase-functions/v2';
import { onCall } from 'firebase-functions/v2/https';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { config } from './config';
import { handleCreateJob } from './firebase/create-job';
import { getDependencies } from './firebase/dependencies';
import { handleJobMessage } from './firebase/run-job';
import type { TaskMessageData } from './job/task-message';

setGlobalOptions({ region: config.region, maxInstances: 10 });

/** Callable `createJob({ type, input, requestId? })` → `{ id, type, state }`. Firebase Auth required. */
export const createJob = onCall({ memory: '256MiB', timeoutSeconds: 30 }, (request) =>
  handleCreateJob(request, getDependencies()),
);

/**
 * The worker: one invocation per delivered task message. `retry: false` because a message is only a hint
 * (the job document is the truth) and the handler never throws for a job's own failure.
 */
export const runJob = onMessagePublished<TaskMessageData>(
  { topic: config.jobsTopic, memory: '256MiB', timeoutSeconds: config.workerTimeoutSeconds, retry: false },
  (event) => handleJobMessage(event.data.message, getDependencies()),
);
