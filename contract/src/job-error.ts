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

/**
 * A job's error, in the google.rpc.Status style: `code` is a canonical code name in lower-kebab case as Firebase
 * uses them (`invalid-argument`, `internal`, ...), `message` is for people. A message reaches the job's owner only
 * when the task made it public (a thrown `TaskError`, or a task defined with `publicErrorMessages`); any other
 * failure is `internal` with a `logId` in place of its message.
 */
export interface JobError {
  code: JobErrorCode;
  message: string;
  /**
   * Set when the failure's own message was withheld from the owner: the worker logged it, with its stack, in an
   * entry whose `logId` field is this (Cloud Logging: `jsonPayload.logId="…"`).
   */
  logId?: string;
}
