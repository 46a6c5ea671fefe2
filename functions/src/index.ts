/**
 * The deployed functions: createJob, cancelJob, jobs (the HTTP API), runJob (the worker) and sweepJobs, for this
 * project's task types.
 */
import { defineJobFunctions } from './job-functions';
import { PRODUCTION_TASKS } from './tasks/production-tasks';

export const { createJob, cancelJob, jobs, runJob, sweepJobs } = defineJobFunctions(PRODUCTION_TASKS);
