import type { JobState } from './job-state';

/**
 * A failed job's error, in the google.rpc.Status style: `code` is a canonical code name in lower-kebab case
 * as Firebase uses them (`invalid-argument`, `internal`, ...), `message` is for people.
 */
export interface JobError {
  code: JobErrorCode;
  message: string;
}

/** google.rpc.Code names, spelled as Firebase spells them (FunctionsErrorCode). */
export type JobErrorCode =
  | 'cancelled'
  | 'unknown'
  | 'invalid-argument'
  | 'deadline-exceeded'
  | 'not-found'
  | 'already-exists'
  | 'permission-denied'
  | 'resource-exhausted'
  | 'failed-precondition'
  | 'aborted'
  | 'out-of-range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data-loss'
  | 'unauthenticated';

/** Optional progress a handler reports while it runs. */
export interface JobProgress {
  /** 0 to 100. */
  percent: number;
  message?: string;
}

/**
 * The document `jobs/{id}`: the one source of truth for a job, read by the worker, by clients through their
 * listeners, and by the tests. `Time` is the Firestore Timestamp class of whichever SDK reads it (admin or
 * client), so this module imports neither.
 */
export interface JobDocument<Time> {
  /** The uid of the user who created the job; the security rules key on it. */
  owner: string;
  /** A registered task type, such as `sleep`. */
  type: string;
  /** The task's input, validated against the task's schema when the job was created. */
  input: Record<string, unknown>;
  state: JobState;
  /** True once `state` is terminal (COMPLETED, FAILED or CANCELLED). */
  done: boolean;
  /** The handler's return value; set when COMPLETED. */
  result?: unknown;
  /** Why the job did not complete; set when FAILED or CANCELLED. */
  error?: JobError;
  progress?: JobProgress;
  /** How many times a worker has claimed the job. */
  attempts: number;
  /** The caller's idempotency key, when given. */
  requestId?: string;
  createTime: Time;
  updateTime: Time;
  /** When the last claim moved the job to RUNNING. */
  startTime: Time | null;
  /** When the job reached a terminal state. */
  doneTime: Time | null;
}
