import type { z } from 'zod';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** The job's document id. */
  jobId: string;
  /** 1 on the first claim; more on a retry. */
  attempt: number;
}

/**
 * A task type: a name, a schema for its input, and the handler that does the work. The handler's resolved
 * value becomes the job's `result` (it must be Firestore-serialisable); a throw becomes `FAILED` (throw a
 * `TaskError` to choose the error code).
 */
export interface TaskDefinition<Input extends z.ZodType = z.ZodType, Result = unknown> {
  readonly type: string;
  readonly input: Input;
  run(input: z.infer<Input>, context: TaskContext): Promise<Result>;
}

/** Declares a task with its input type inferred from its schema. */
export function defineTask<Input extends z.ZodType, Result>(
  definition: TaskDefinition<Input, Result>,
): TaskDefinition<Input, Result> {
  return definition;
}
