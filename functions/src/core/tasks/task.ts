import type { z } from 'zod';
import type { RetryPolicy } from '../retry-policy';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** The job's document id. */
  jobId: string;
  /** 1 on the first claim; more on a retry. */
  attempt: number;
  /**
   * The same on every run of this job (it is the job's id). A handler runs at least once: it can run to the end
   * twice (its worker died between returning and recording the result, or its lease lapsed while it was slow),
   * so a side effect that must happen once per job (a charge, an email) passes this key to its service.
   */
  idempotencyKey: string;
  /** `<jobId>:<attempt>`: one key per attempt, for a side effect a retry should repeat but a duplicate must not. */
  attemptIdempotencyKey: string;
  /**
   * Aborted when the owner cancels the job or the task's time limit passes. A handler checks it between steps
   * (or passes it to what it awaits) and stops; `signal.reason` says why.
   */
  signal: AbortSignal;
  /**
   * Reports progress (0–100) and an optional message on the job document. Cheap to call often: writes are
   * throttled to about one a second, and the last value is always written before the job ends.
   */
  progress: (percent: number, message?: string) => void;
}

/**
 * A task type: a name, a schema for its input, and the handler that does the work. The handler's resolved
 * value becomes the job's `result` (it must be Firestore-serialisable). A thrown `TaskError` ends the job
 * FAILED with its code unless it says it is transient; anything else thrown is transient and is retried.
 */
export interface TaskDefinition<Input extends z.ZodType = z.ZodType, Result = unknown> {
  readonly type: string;
  readonly input: Input;
  /** The handler's time limit; past it the signal aborts and the job ends `deadline-exceeded`. */
  readonly timeoutSeconds?: number;
  /** How transient failures are retried; DEFAULT_RETRY_POLICY where not given. */
  readonly retry?: Partial<RetryPolicy>;
  /** The worker pool that runs the task (its own worker function and slots); DEFAULT_POOL where not given. */
  readonly pool?: string;
  run(input: z.infer<Input>, context: TaskContext): Promise<Result>;
}

/** TaskContext.attemptIdempotencyKey of a job's attempt. */
export function attemptIdempotencyKey(jobId: string, attempt: number): string {
  return `${jobId}:${attempt}`;
}

/** The worker pool of a task that names none. */
export const DEFAULT_POOL = 'standard';

/** Default TaskDefinition.timeoutSeconds. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/** Declares a task with its input type inferred from its schema. */
export function defineTask<Input extends z.ZodType, Result>(
  definition: TaskDefinition<Input, Result>,
): TaskDefinition<Input, Result> {
  return definition;
}
