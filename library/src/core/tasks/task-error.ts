import type { JobError, JobErrorCode } from '@async-jobs/contract';
import { truncate } from '../truncate';

/**
 * What a task handler throws to end its job with a specific google.rpc code, for example `invalid-argument`
 * for input that passed the schema but makes no sense to the task. It is permanent (the job fails at once)
 * unless `transient` is set, in which case the job is retried like any unknown error. Its message is public: the
 * job's owner reads it on the job, so it says what the owner may know.
 */
export class TaskError extends Error {
  readonly transient: boolean;

  constructor(
    readonly code: JobErrorCode,
    message: string,
    options: { transient?: boolean } = {},
  ) {
    super(message);
    this.name = 'TaskError';
    this.transient = options.transient ?? false;
  }
}

/** A failure, as the worker records and acts on it. */
export interface ClassifiedFailure {
  error: JobError;
  /** Retry (within the task's policy) rather than fail now. */
  transient: boolean;
  /** What was thrown, when its message is withheld from the owner: the worker logs it under `error.logId`. */
  withheld?: { thrown: unknown };
}

/** The longest error message stored on a job, so a huge stack or payload cannot bloat the document. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** Turns anything a handler threw into the `error` field of a FAILED job. */
export function toJobError(thrown: unknown): JobError {
  const code: JobErrorCode = thrown instanceof TaskError ? thrown.code : 'internal';
  const raw = thrown instanceof Error ? thrown.message : describeThrown(thrown);
  return { code, message: truncate(String(raw), MAX_ERROR_MESSAGE_LENGTH) || 'the task failed without a message' };
}

/** The error a job carries in place of a failure whose message its task did not make public. */
export function withheldJobError(logId: string): JobError {
  return { code: 'internal', message: `the task failed with an internal error (logId ${logId})`, logId };
}

/**
 * What a handler's failure becomes. Whether it is worth another attempt: a TaskError says so itself; anything
 * unknown (a network blip, a bug that may depend on timing) is assumed transient, and the retry policy bounds the
 * cost. What the owner reads: a TaskError's message, or any message of a task with `publicMessages`; anything else
 * may carry what the owner must not see (hosts, a third party's answer, another user's data), so its message is
 * withheld behind a new log id.
 */
export function classifyFailure(
  thrown: unknown,
  { publicMessages, newLogId }: { publicMessages: boolean; newLogId: () => string },
): ClassifiedFailure {
  const transient = thrown instanceof TaskError ? thrown.transient : true;
  if (thrown instanceof TaskError || publicMessages) return { error: toJobError(thrown), transient };
  return { error: withheldJobError(newLogId()), transient, withheld: { thrown } };
}

/** String() of a thrown non-Error; some values (a null-prototype object, a throwing toString) cannot be. */
function describeThrown(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    return `a thrown ${typeof thrown} that has no string form`;
  }
}
