import type { JobDocument, JobProgress } from './job-document';
import type { JobState } from './job-state';
import { STATUS_CODES } from './status-codes';

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

/**
 * The Operation view of a job document. `toIso` turns the SDK's timestamp into RFC 3339. A done job has exactly
 * one of `response` and `error`, as AIP-151 requires.
 */
export function toOperation<Time>(id: string, job: JobDocument<Time>, toIso: (time: Time) => string): JobOperation {
  const iso = (time: Time | null | undefined) => (time === null || time === undefined ? null : toIso(time));
  const operation: JobOperation = {
    name: `jobs/${id}`,
    id,
    state: job.state,
    done: job.done,
    metadata: {
      state: job.state,
      type: job.type,
      attempts: job.attempts,
      ...(job.progress ? { progress: job.progress } : {}),
      ...(job.cancelRequested ? { cancelRequested: true } : {}),
      createTime: iso(job.createTime),
      startTime: iso(job.startTime),
      updateTime: iso(job.updateTime),
      doneTime: iso(job.doneTime),
    },
  };
  if (!job.done) return operation;
  if (job.state === 'COMPLETED') return { ...operation, response: job.result ?? null };
  const error = job.error ?? { code: 'unknown', message: `the job ended ${job.state} without an error` };
  const status = STATUS_CODES[error.code];
  return { ...operation, error: { code: status.rpc, status: status.name, message: error.message } };
}
