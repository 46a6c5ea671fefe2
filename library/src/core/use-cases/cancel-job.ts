import type { CancelJobResponse } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError, ValidationError } from '../errors';
import { isJobId } from '../job-id';
import { cancelJob as cancelStoredJob } from '../protocol/cancel';
import { deadlineAfter } from '../store/store-access';
import { dispatchAfterEnd, type CoreDeps } from './dispatch';

/**
 * Cancels a job for an authenticated owner (AIP-151 CancelOperation; the callable and the HTTP API both call
 * this): the owner's job only; another user's job, or an id that cannot name a job, is not found, exactly like a
 * missing one, so ids cannot be probed; a done job is a state conflict.
 */
export async function cancelJob(owner: string, data: unknown, deps: CoreDeps): Promise<CancelJobResponse> {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'id must be a job id string');
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const result = await cancelStoredJob(deps.access, owner, id, deps.retentionDays(), deadlineAfter(deps.access));
  switch (result.kind) {
    case 'not-found':
      throw new JobNotFoundError(id);
    case 'already-done':
      throw new JobStateConflictError(`job ${id} is already ${result.state}; only a job not done can be cancelled`);
    case 'cancelled':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'CREATED');
      // A queued job that held a slot gave it back with the cancel: the pool's next job can have it.
      if (result.freedSlotOf) await dispatchAfterEnd(deps, result.freedSlotOf);
      return { id, state: 'CANCELLED', cancelRequested: false };
    case 'cancel-requested':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'RUNNING');
      return { id, state: 'RUNNING', cancelRequested: true };
  }
}
