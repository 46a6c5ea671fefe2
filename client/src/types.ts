import type { Timestamp } from 'firebase/firestore';
import type { CancelJobResponse } from '../../functions/src/firebase/cancel-job';
import type { CreateJobResponse } from '../../functions/src/firebase/create-job';
import type { JobDocument, JobError, JobProgress } from '../../functions/src/job/job-document';
import type { JobState } from '../../functions/src/job/job-state';
import type { TaskInputs } from '../../functions/src/tasks/registry';

// The types below come from the functions' own sources, so a change there breaks this build, not production.

/** A job document as the client SDK reads it. */
export type Job = JobDocument<Timestamp>;

/** A job with its document id. */
export interface JobWithId extends Job {
  id: string;
}

/** The task types a deployment serves. */
export type TaskType = keyof TaskInputs;

/** The input of a task type, by its name: `TaskInput<'sleep'>` is `{ worktime: number }`. */
export type TaskInput<Type extends TaskType> = TaskInputs[Type];

export type { CancelJobResponse, CreateJobResponse, JobError, JobProgress, JobState };
