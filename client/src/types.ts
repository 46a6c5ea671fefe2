import type {
  CancelJobResponse,
  CreateJobResponse,
  JobDocument,
  JobError,
  JobProgress,
  JobState,
  TaskTypes,
} from '@async-jobs/contract';
import type { Timestamp } from 'firebase/firestore';

// The types below come from @async-jobs/contract, which the functions build against too, so a change on one side
// breaks the other's build, not production.

/** A job document as the client SDK reads it. */
export type Job = JobDocument<Timestamp>;

/** A job with its document id. */
export interface JobWithId extends Job {
  id: string;
}

/** The task types a deployment serves. */
export type TaskType = keyof TaskTypes;

/** The input of a task type, by its name: `TaskInput<'sleep'>` is `{ worktime: number }`. */
export type TaskInput<Type extends TaskType> = TaskTypes[Type]['input'];

/** The result of a task type, by its name: `TaskResult<'primes'>` is `{ below, count }`. */
export type TaskResult<Type extends TaskType> = TaskTypes[Type]['result'];

export type { CancelJobResponse, CreateJobResponse, JobError, JobProgress, JobState };
