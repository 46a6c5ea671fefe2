/**
 * async-jobs client: start jobs and follow them live from a web or Node app, with the modular Firebase JS SDK
 * (a peer dependency: this package bundles none of it).
 *
 *   const { id } = await createJob(functions, 'sleep', { worktime: 5 });
 *   const job = await waitForJob(firestore, id);            // or watchJob(firestore, id, render)
 *
 * @module @async-jobs/client
 */
export { cancelJob, createJob, createJobs, signalJob, type JobRequest } from './callables.js';
export { JobCancelledError, JobFailedError, JobWaitTimeoutError } from './errors.js';
export { watchJob, watchMyJobs, type Unsubscribe } from './listeners.js';
export { waitForJob } from './wait.js';
export type {
  CancelJobResponse,
  CreateJobResponse,
  CreateJobsResponse,
  Job,
  JobError,
  JobProgress,
  JobState,
  JobWithId,
  SignalJobRequest,
  SignalJobResponse,
  TaskInput,
  TaskResult,
  TaskType,
  TaskTypes,
  WaitReason,
} from './types.js';
