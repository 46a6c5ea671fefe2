import type { CancelJobResponse } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError, ValidationError } from '../errors';
import { isJobId } from '../job-id';
import type { DispatchOperations, OwnerJobOperations } from '../ports/job-repository';
import type { TaskRegistry } from '../tasks/task-registry';
import { dispatchWaitingJobs, type DispatchDeps } from './dispatch';

export interface CancelJobDeps extends DispatchDeps {
  jobs: OwnerJobOperations & DispatchOperations;
  tasks: TaskRegistry;
  /** JOB_RETENTION_DAYS, read when a job ends. */
  retentionDays(): number;
}

/**
 * Cancels a job for an authenticated owner (AIP-151 CancelOperation; the callable and the HTTP API both call
 * this): the owner's job only; another user's job, or an id that cannot name a job, is not found, exactly like a
 * missing one, so ids cannot be probed; a done job is a state conflict.
 */
export async function cancelJob(owner: string, data: unknown, deps: CancelJobDeps): Promise<CancelJobResponse> {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'id must be a job id string');
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const result = await deps.jobs.cancel(id, owner, deps.clock.now(), deps.retentionDays());
  switch (result.kind) {
    case 'not-found':
      throw new JobNotFoundError(id);
    case 'already-done':
      throw new JobStateConflictError(`job ${id} is already ${result.state}; only a job not done can be cancelled`);
    case 'cancelled':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'CREATED');
      // A queued job may have held a slot, given back with the cancel: the pool's next job can have it.
      await dispatchWaitingJobs(deps, result.job.pool ?? deps.tasks.poolOf(result.job.type));
      return { id, state: 'CANCELLED', cancelRequested: false };
    case 'cancel-requested':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'RUNNING');
      return { id, state: 'RUNNING', cancelRequested: true };
  }
}
