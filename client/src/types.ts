import type { JobDocument, TaskResult, TaskType } from '@async-jobs/contract';
import type { Timestamp } from 'firebase/firestore';

// The types below come from @async-jobs/contract, which the functions build against too, so a change on one side
// breaks the other's build, not production. The app's own task types reach them by extending the contract's
// TaskTypes (see its tasks.ts): `createJob(functions, 'resizeImage', input)` then checks the input, and
// `waitForJob<'resizeImage'>` gives the result its type.

/**
 * A job document as the client SDK reads it; `Type` narrows its type and result to one task type. Unnarrowed it is
 * a union over the task types, one member per type, so a check of `job.type` narrows `job.result` to that task's.
 */
export type Job<Type extends string = TaskType> = Type extends unknown
  ? JobDocument<Timestamp> & { type: Type; result?: TaskResult<Type> }
  : never;

/** A job with its document id. */
export type JobWithId<Type extends string = TaskType> = Job<Type> & { id: string };

export type {
  CancelJobResponse,
  CreateJobResponse,
  CreateJobsResponse,
  JobError,
  JobProgress,
  JobState,
  SignalJobRequest,
  SignalJobResponse,
  WaitReason,
  TaskInput,
  TaskResult,
  TaskType,
  TaskTypes,
} from '@async-jobs/contract';
