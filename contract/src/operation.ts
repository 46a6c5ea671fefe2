import type { JobProgress } from './job-document';
import type { JobState } from './job-state';

/** google.rpc.Status as an Operation carries it: the numeric code, its name, and the message. */
export interface OperationError {
  code: number;
  status: string;
  message: string;
}

/** A job in the AIP-151 Operation shape, as the HTTP API returns it. Times are RFC 3339 strings. */
export interface JobOperation {
  /** `jobs/{id}`, the resource name. */
  name: string;
  /** The bare id and state, also at the top level, for the seed tutorial's `jq -r '.id'`. */
  id: string;
  state: JobState;
  done: boolean;
  metadata: {
    state: JobState;
    type: string;
    attempts: number;
    progress?: JobProgress;
    cancelRequested?: boolean;
    createTime: string | null;
    startTime: string | null;
    updateTime: string | null;
    doneTime: string | null;
  };
  /** The result, once COMPLETED. */
  response?: unknown;
  /** Why it did not complete, once FAILED or CANCELLED. */
  error?: OperationError;
}

/** The HTTP API's `GET /`: one page of the caller's jobs, newest first. */
export interface ListJobsResponse {
  operations: JobOperation[];
  /** Present when there is a next page: pass it back as `pageToken`. */
  nextPageToken?: string;
}

/** The JSON error body of the HTTP API: google.rpc.Status as Google's JSON APIs render it (AIP-193). */
export interface ApiErrorBody {
  error: {
    /** The HTTP status. */
    code: number;
    message: string;
    /** The google.rpc code name, such as NOT_FOUND. */
    status: string;
    details?: { '@type': string; fieldViolations: { field: string; description: string }[] }[];
  };
}
