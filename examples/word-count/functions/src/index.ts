/**
 * The app's Cloud Functions. The async-jobs functions are exported under the names clients call: createJob,
 * createJobs, cancelJob and signalJob (callables), adminCancelJob and adminRetryJob (the operator console's
 * callables), jobs (the HTTP API), runJob (the worker), sweepJobs (the recovery sweep) and
 * wakeJobs (the timers of sleeping jobs).
 * An app's other functions sit beside them as usual.
 */
import { asyncJobs, type TaskTypesOf } from '@async-jobs/functions';
import { countWords } from './count-words';

const tasks = [countWords] as const;

export const {
  createJob,
  createJobs,
  cancelJob,
  signalJob,
  adminCancelJob,
  adminRetryJob,
  jobs,
  runJob,
  sweepJobs,
  wakeJobs,
} = asyncJobs({ tasks });

/** The app's task types, for its typed client (see test/word-count.test.ts). */
export type AppTaskTypes = TaskTypesOf<typeof tasks>;
