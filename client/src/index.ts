/**
 * async-jobs client: start jobs and follow them live from a web or Node app, with the modular Firebase JS SDK
 * (a peer dependency: this package bundles none of it).
 *
 *   const { id } = await createJob(functions, 'sleep', { worktime: 5 });
 *   const job = await waitForJob(firestore, id);            // or watchJob(firestore, id, render)
 */
export { cancelJob, createJob } from './callables';
export { JobCancelledError, JobFailedError, JobWaitTimeoutError } from './errors';
export { watchJob, watchMyJobs, type Unsubscribe } from './listeners';
export { waitForJob } from './wait';
export type {
  CancelJobResponse,
  CreateJobResponse,
  Job,
  JobError,
  JobProgress,
  JobState,
  JobWithId,
  TaskInput,
  TaskResult,
  TaskType,
} from './types';
