/**
 * @async-jobs/functions: long-running, trackable jobs for a Firebase app's own Cloud Functions.
 *
 *     import { asyncJobs, defineTask } from '@async-jobs/functions';
 *     import { z } from 'zod';
 *
 *     const resizeImage = defineTask({
 *       type: 'resizeImage',
 *       input: z.strictObject({ path: z.string(), width: z.number().int().positive() }),
 *       async run({ path, width }, { signal, progress }) { … return { path: resized }; },
 *     });
 *
 *     export const { createJob, createJobs, cancelJob, signalJob, adminCancelJob, adminRetryJob, jobs, runJob, sweepJobs,
 *       wakeJobs } = asyncJobs({ tasks: [resizeImage] });
 *
 * @module @async-jobs/functions
 */
export {
  asyncJobs,
  type AsyncJobsFunctions,
  type AsyncJobsOptions,
  type AsyncJobsServer,
  type WorkerFunction,
} from './async-jobs';
export { definePool, poolTopic, workerFunctionName, type PoolDefinition, type WorkerFunctionName } from './pools';
export {
  DEFAULT_POOL,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  defineTask,
  type SignalOutcome,
  type StorableResult,
  type TaskContext,
  type TaskDefinition,
  type TaskTypesOf,
} from './core/tasks/task';
export { TaskError } from './core/tasks/task-error';
export { abortableDelay } from './core/tasks/abortable-delay';
export type { RetryPolicy } from './core/retry-policy';
export { MAX_TASK_TIMEOUT_SECONDS } from './core/tasks/task';
