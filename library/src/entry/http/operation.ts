import type { JobOperation } from '@async-jobs/contract';
import type { Job, Millis } from '../../core/job';
import { STATUS_CODES } from './status-codes';

const iso = (time: Millis | null | undefined) =>
  time === null || time === undefined ? null : new Date(time).toISOString();

/** The AIP-151 Operation view of a job. A done job has exactly one of `response` and `error`, as AIP-151 requires. */
export function toOperation(id: string, job: Job): JobOperation {
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
