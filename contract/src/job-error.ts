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
 * uses them (`invalid-argument`, `internal`, ...), `message` is for people.
 */
export interface JobError {
  code: JobErrorCode;
  message: string;
}
