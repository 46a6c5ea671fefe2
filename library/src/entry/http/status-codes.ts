import type { JobErrorCode } from '@async-jobs/contract';

/** A google.rpc code three ways: its number, its canonical name, and the HTTP status our API answers with. */
export interface StatusCode {
  rpc: number;
  name: string;
  http: number;
}

/**
 * google.rpc.Code (code.proto) with Google's HTTP mapping, except `failed-precondition`, which the HTTP API
 * answers with 409 Conflict: in this API it always means "the job's state does not allow that" (delete or cancel
 * a job that is running or done), which is what 409 says to an HTTP client.
 */
export const STATUS_CODES: Readonly<Record<JobErrorCode | 'ok', StatusCode>> = {
  ok: { rpc: 0, name: 'OK', http: 200 },
  cancelled: { rpc: 1, name: 'CANCELLED', http: 499 },
  unknown: { rpc: 2, name: 'UNKNOWN', http: 500 },
  'invalid-argument': { rpc: 3, name: 'INVALID_ARGUMENT', http: 400 },
  'deadline-exceeded': { rpc: 4, name: 'DEADLINE_EXCEEDED', http: 504 },
  'not-found': { rpc: 5, name: 'NOT_FOUND', http: 404 },
  'already-exists': { rpc: 6, name: 'ALREADY_EXISTS', http: 409 },
  'permission-denied': { rpc: 7, name: 'PERMISSION_DENIED', http: 403 },
  'resource-exhausted': { rpc: 8, name: 'RESOURCE_EXHAUSTED', http: 429 },
  'failed-precondition': { rpc: 9, name: 'FAILED_PRECONDITION', http: 409 },
  aborted: { rpc: 10, name: 'ABORTED', http: 409 },
  'out-of-range': { rpc: 11, name: 'OUT_OF_RANGE', http: 400 },
  unimplemented: { rpc: 12, name: 'UNIMPLEMENTED', http: 501 },
  internal: { rpc: 13, name: 'INTERNAL', http: 500 },
  unavailable: { rpc: 14, name: 'UNAVAILABLE', http: 503 },
  'data-loss': { rpc: 15, name: 'DATA_LOSS', http: 500 },
  unauthenticated: { rpc: 16, name: 'UNAUTHENTICATED', http: 401 },
};
