import type { AdminRetryJobResponse, CancelJobResponse } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError, ValidationError } from '../errors';
import { CANCELLED_BY_OPERATOR } from '../job';
import { isJobId } from '../job-id';
import { cancelJob as cancelStoredJob } from '../protocol/cancel';
import { jobAt } from '../protocol/job-record';
import { read } from '../store/store-calls';
import { deadlineAfter } from '../store/store-access';
import { createRetryJob, type CreateJobDeps } from './create-job';
import { dispatchAfterEnd, type CoreDeps } from './dispatch';

/** The states a retry may start from: a job that ended without its result. */
export const RETRYABLE_STATES = ['FAILED', 'CANCELLED'] as const;

/** The job id of an operator's request `{ id }`, or a ValidationError naming `id`. */
function requestedId(data: unknown): string {
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'id must be a job id string');
  return id;
}

/** Any user's job, as read now, or JobNotFoundError (also for an id that cannot name a document). */
async function readAnyJob(id: string, deps: CoreDeps) {
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const access = deps.access;
  const doc = await read(access, () => access.store.get(access.layout.job(id)), deadlineAfter(access));
  if (!doc) throw new JobNotFoundError(id);
  return jobAt(doc).job;
}

/**
 * An operator's cancel of any user's job (the callable has checked the caller's `admin` claim): the owner's cancel
 * (protocol/cancel.ts), run for the job's owner, so it is decided and fenced exactly as theirs. A queued job ends
 * CANCELLED at once with CANCELLED_BY_OPERATOR; a running one gets `cancelRequested` and its worker ends it. A done job
 * is failed-precondition, a missing one not-found; a refusal writes nothing.
 */
export async function cancelJobAsOperator(data: unknown, deps: CoreDeps): Promise<CancelJobResponse> {
  const id = requestedId(data);
  const { owner } = await readAnyJob(id, deps);
  const access = deps.access;
  const result = await cancelStoredJob(
    access,
    owner,
    id,
    deps.retentionDays(),
    deadlineAfter(access),
    CANCELLED_BY_OPERATOR,
  );
  switch (result.kind) {
    case 'not-found':
      throw new JobNotFoundError(id);
    case 'already-done':
      throw new JobStateConflictError(`job ${id} is already ${result.state}; only a job not done can be cancelled`);
    case 'cancelled':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'CREATED');
      if (result.freedSlotOf) await dispatchAfterEnd(deps, result.freedSlotOf);
      return { id, state: 'CANCELLED', cancelRequested: false };
    case 'cancel-requested':
      deps.log.jobCancelled({ jobId: id, type: result.job.type, owner, attempt: result.job.attempts }, 'RUNNING');
      return { id, state: 'RUNNING', cancelRequested: true };
  }
}

/**
 * An operator's retry of any user's FAILED or CANCELLED job (the callable has checked the caller's `admin` claim): a
 * NEW job for the same owner, type and input, made by the owner's create (createRetryJob: their limit and fair turn
 * apply, `resource-exhausted` past the limit), recording `retryOf`. The retried job is never written: a terminal
 * document stays as it ended. A job not done, or COMPLETED, is failed-precondition (it has nothing to retry); a
 * repeat finds the retry made before. A refusal writes nothing.
 */
export async function retryJobAsOperator(data: unknown, deps: CreateJobDeps): Promise<AdminRetryJobResponse> {
  const id = requestedId(data);
  const job = await readAnyJob(id, deps);
  if (!(RETRYABLE_STATES as readonly string[]).includes(job.state)) {
    throw new JobStateConflictError(
      `job ${id} is ${job.state}; only a ${RETRYABLE_STATES.join(' or ')} job can be retried`,
    );
  }
  const made = await createRetryJob({ id, owner: job.owner, type: job.type, input: job.input }, deps);
  return { ...made, retryOf: id };
}
