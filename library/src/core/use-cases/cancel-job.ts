import type { CancelJobResponse, JobError } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError, ValidationError } from '../errors';
import { isJobId } from '../job-id';
import { cancelJob as cancelStoredJob } from '../protocol/cancel';
import { deadlineAfter } from '../store/store-access';
import { dispatchAfterEnd, type CoreDeps } from './dispatch';

/** The job id of a request `{ id }`, or a ValidationError naming `id`. */
export function requestedJobId(data: unknown): string {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'id must be a job id string');
  return id;
}

/**
 * Cancels the job `id` of `owner` (protocol/cancel.ts): a job no worker holds (CREATED, or RUNNING and suspended) ends
 * CANCELLED at once with `reason` (the owner's cancel unless given), and the slot it held goes to the pool's next job;
 * a RUNNING job in a worker's hands gets `cancelRequested` and its worker ends it. Missing, or not the owner's, is not
 * found; a done job is a state conflict; a refusal writes nothing.
 */
export async function cancelJobOfOwner(
  owner: string,
  id: string,
  deps: CoreDeps,
  reason?: JobError,
): Promise<CancelJobResponse> {
  const result = await cancelStoredJob(
    deps.access,
    owner,
    id,
    deps.retentionDays(),
    deadlineAfter(deps.access),
    reason,
  );
  switch (result.kind) {
    case 'not-found':
      throw new JobNotFoundError(id);
    case 'already-done':
      throw new JobStateConflictError(`job ${id} is already ${result.state}; only a job not done can be cancelled`);
    case 'cancelled':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'CREATED');
      // A job that held a slot gave it back with the cancel: the pool's next job can have it.
      if (result.freedSlotOf) await dispatchAfterEnd(deps, result.freedSlotOf);
      return { id, state: 'CANCELLED', cancelRequested: false };
    case 'cancel-requested':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'RUNNING');
      return { id, state: 'RUNNING', cancelRequested: true };
  }
}

/**
 * Cancels a job for an authenticated owner (AIP-151 CancelOperation; the callable and the HTTP API both call
 * this): the owner's job only; another user's job, or an id that cannot name a job, is not found, exactly like a
 * missing one, so ids cannot be probed; a done job is a state conflict.
 */
export async function cancelJob(owner: string, data: unknown, deps: CoreDeps): Promise<CancelJobResponse> {
  const id = requestedJobId(data);
  if (!isJobId(id)) throw new JobNotFoundError(id);
  return cancelJobOfOwner(owner, id, deps);
}
