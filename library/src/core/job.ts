import type { JobDocument, JobError } from '@async-jobs/contract';

/** Epoch milliseconds: how the core tells time, whatever an adapter stores. */
export type Millis = number;

/** A job as the core sees it: the document of @async-jobs/contract, with times in epoch milliseconds. */
export type Job = JobDocument<Millis>;

/** A job with its id. */
export interface JobWithId {
  id: string;
  job: Job;
}

/** How a claimed job ends, as the worker reports it. */
export type JobOutcome =
  | { state: 'COMPLETED'; result: unknown }
  | { state: 'FAILED'; error: JobError }
  | { state: 'CANCELLED'; error: JobError };

/** The timings a worker records on the job it ends (see JobDocument.queueMillis and runMillis). */
export interface JobDurations {
  queueMillis: number;
  runMillis: number;
}

/** The error of a job its owner cancelled (google.rpc CANCELLED, as AIP-151 records a cancelled operation). */
export const CANCELLED_BY_OWNER: JobError = { code: 'cancelled', message: 'the job was cancelled by its owner' };

/**
 * The error of a queued job an operator cancelled (`adminCancelJob`). A RUNNING job's worker ends it with
 * CANCELLED_BY_OWNER's words whoever asked: the cancel request it acts on does not say who made it.
 */
export const CANCELLED_BY_OPERATOR: JobError = { code: 'cancelled', message: 'the job was cancelled by an operator' };

/** The error of a job whose worker stopped without finishing it. */
export const WORKER_LOST: JobError = {
  code: 'unavailable',
  message: 'the worker stopped before finishing the job (its process ended or it timed out)',
};

/** How long a done job is kept: its `expireTime` is its end plus this many days. */
export function expireTimeFor(now: Millis, retentionDays: number): Millis {
  return now + retentionDays * 24 * 60 * 60 * 1000;
}
