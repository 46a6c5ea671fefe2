import type { JobError, JobErrorCode } from './job-document';

/**
 * What a task handler throws to end its job with a specific google.rpc code, for example `invalid-argument`
 * for input that passed the schema but makes no sense to the task. Any other thrown error is `internal`.
 */
export class TaskError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskError';
  }
}

/** The longest error message stored on a job, so a huge stack or payload cannot bloat the document. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** Turns anything a handler threw into the `error` field of a FAILED job. */
export function toJobError(thrown: unknown): JobError {
  const code: JobErrorCode = thrown instanceof TaskError ? thrown.code : 'internal';
  const raw = thrown instanceof Error ? thrown.message : String(thrown);
  const message = raw.length > MAX_ERROR_MESSAGE_LENGTH ? `${raw.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : raw;
  return { code, message: message || 'the task failed without a message' };
}
