/**
 * The deployed functions: createJob and createJobs, cancelJob, signalJob, adminCancelJob and adminRetryJob (the
 * operator console's, docs/console.md), jobs (the HTTP API), runJob and runJobCompute (the
 * workers of the standard and compute pools), sweepJobs and wakeJobs (the timers of sleeping jobs), for this project's
 * task types.
 */
import { asyncJobs } from '@async-jobs/functions';
import { PRODUCTION_TASKS } from './tasks/production-tasks';
import { COMPUTE_POOL } from './tasks/pools';

export const {
  createJob,
  createJobs,
  cancelJob,
  signalJob,
  adminCancelJob,
  adminRetryJob,
  jobs,
  runJob,
  runJobCompute,
  sweepJobs,
  wakeJobs,
} = asyncJobs({
  tasks: PRODUCTION_TASKS,
  pools: [COMPUTE_POOL],
});
