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
  const raw = thrown instanceof Error ? thrown.message : describeThrown(thrown);
  return { code, message: truncate(String(raw)) || 'the task failed without a message' };
}

/** String() of a thrown non-Error; some values (a null-prototype object, a throwing toString) cannot be. */
function describeThrown(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    return `a thrown ${typeof thrown} that has no string form`;
  }
}

/** Cuts at MAX_ERROR_MESSAGE_LENGTH without splitting a surrogate pair (an emoji, say). */
function truncate(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_LENGTH) return message;
  let cut = MAX_ERROR_MESSAGE_LENGTH - 1;
  const last = message.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${message.slice(0, cut)}…`;
}
