import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { isJobId } from '../job/job-id';
import type { JobState } from '../job/job-state';
import { logs } from '../logs';
import { notFound } from './owned-jobs';
import { requireCaller } from './require-caller';
import type { JobStore } from './job-store';

export interface CancelJobDeps {
  store: JobStore;
  retentionDays(): number;
  /** ENFORCE_APP_CHECK, read per call. */
  enforceAppCheck(): boolean;
}

/**
 * What cancelJob returns: `CANCELLED` when the job was queued and is now cancelled; `RUNNING` with
 * `cancelRequested` when its worker has been asked to stop (the document turns CANCELLED within moments).
 */
export interface CancelJobResponse {
  id: string;
  state: JobState;
  cancelRequested: boolean;
}

/** The callable's logic: the caller, then `cancelJobFor`. */
export async function handleCancelJob(
  request: CallableRequest<unknown>,
  deps: CancelJobDeps,
): Promise<CancelJobResponse> {
  return cancelJobFor(requireCaller(request, 'cancelJob', deps.enforceAppCheck()), request.data, deps);
}

/**
 * Cancelling for an authenticated owner (AIP-151 CancelOperation), shared by the callable and the HTTP API: the
 * owner's job only; another user's job, or an id that cannot name a document, is `not-found`, exactly like a
 * missing one, so ids cannot be probed; a done job is `failed-precondition`.
 */
export async function cancelJobFor(owner: string, data: unknown, deps: CancelJobDeps): Promise<CancelJobResponse> {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') {
    throw new HttpsError('invalid-argument', 'id must be a job id string', { field: 'id' });
  }
  if (!isJobId(id)) throw notFound(id);
  const result = await deps.store.cancel(id, owner, Date.now(), deps.retentionDays());
  switch (result.kind) {
    case 'not-found':
      throw notFound(id);
    case 'already-done':
      throw new HttpsError(
        'failed-precondition',
        `job ${id} is already ${result.state}; only a job not done can be cancelled`,
      );
    case 'cancelled':
      logs.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'CREATED');
      return { id, state: 'CANCELLED', cancelRequested: false };
    case 'cancel-requested':
      logs.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'RUNNING');
      return { id, state: 'RUNNING', cancelRequested: true };
  }
}
