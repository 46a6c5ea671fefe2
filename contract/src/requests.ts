import type { JobState } from './job-state';

/**
 * The `createJob` callable's request, and the body of the HTTP API's `POST /`. `input` is validated by the task's
 * schema; `requestId` (a UUID) makes the call idempotent (AIP-155).
 */
export interface CreateJobRequest<Type extends string = string, Input = Record<string, unknown>> {
  type: Type;
  input: Input;
  requestId?: string;
  /**
   * Seconds from now before the job may start, above 0 and at most 30 days: it waits holding nothing (`CREATED`,
   * `waitReason: scheduled`, due at `dispatchTime`), then its owner's turn for a slot.
   */
  delaySeconds?: number;
}

/** What `createJob` returns: the job's id; follow the job at `jobs/{id}`. */
export interface CreateJobResponse {
  id: string;
  type: string;
  state: JobState;
}

/**
 * The `createJobs` callable's request, and the body of the HTTP API's `POST /:batchCreate`: up to 500 jobs created
 * with one admission decision. With `requestId` the whole batch is idempotent (AIP-155): a repeat finds the jobs
 * it made.
 */
export interface CreateJobsRequest<Type extends string = string, Input = Record<string, unknown>> {
  jobs: { type: Type; input: Input }[];
  requestId?: string;
}

/** What `createJobs` returns: each job's id, in the order asked. */
export interface CreateJobsResponse {
  jobs: CreateJobResponse[];
}

/** The `cancelJob` callable's request. */
export interface CancelJobRequest {
  id: string;
}

/**
 * What `signalJob` takes: the job, the signal's name (the handler waits for it with `waitForSignal`), and its
 * payload, which the task's schema for that signal checks.
 */
export interface SignalJobRequest {
  id: string;
  name: string;
  payload?: unknown;
}

/** What `signalJob` returns: the signal was recorded, and the job goes on (RUNNING, at its owner's next turn). */
export interface SignalJobResponse {
  id: string;
  name: string;
  state: JobState;
}

/**
 * What `cancelJob` returns: `CANCELLED` when the job was queued and is now cancelled; `RUNNING` with
 * `cancelRequested` when its worker has been asked to stop (the document turns CANCELLED within moments).
 */
export interface CancelJobResponse {
  id: string;
  state: JobState;
  cancelRequested: boolean;
}

/**
 * The request of the operator callables `adminCancelJob` and `adminRetryJob`: any user's job, by id. The caller's ID
 * token must carry the custom claim `admin: true`.
 */
export interface AdminJobRequest {
  id: string;
}

/**
 * What `adminRetryJob` returns: the NEW job it created for the original owner, with the same type and input, through
 * the owner's own limits and fair turn; `retryOf` is the job retried, which stays as it was.
 */
export interface AdminRetryJobResponse {
  id: string;
  type: string;
  state: JobState;
  retryOf: string;
}
