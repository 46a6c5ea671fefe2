import type { AdminRetryJobResponse, CancelJobResponse } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError } from '../errors';
import { CANCELLED_BY_OPERATOR } from '../job';
import { isJobId } from '../job-id';
import { jobAt } from '../protocol/job-record';
import { read } from '../store/store-calls';
import { deadlineAfter } from '../store/store-access';
import { cancelJobOfOwner, requestedJobId } from './cancel-job';
import { createRetryJob, type CreateJobDeps } from './create-job';
import type { CoreDeps } from './dispatch';

/** The states a retry may start from: a job that ended without its result. */
export const RETRYABLE_STATES = ['FAILED', 'CANCELLED'] as const;

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
 * (cancelJobOfOwner), run for the job's owner, so it is decided and fenced exactly as theirs. A queued job ends
 * CANCELLED at once with CANCELLED_BY_OPERATOR; a running one gets `cancelRequested` and its worker ends it. A done job
 * is failed-precondition, a missing one not-found; a refusal writes nothing.
 */
export async function cancelJobAsOperator(data: unknown, deps: CoreDeps): Promise<CancelJobResponse> {
  const id = requestedJobId(data);
  const { owner } = await readAnyJob(id, deps);
  return cancelJobOfOwner(owner, id, deps, CANCELLED_BY_OPERATOR);
}

/**
 * An operator's retry of any user's FAILED or CANCELLED job (the callable has checked the caller's `admin` claim): a
 * NEW job for the same owner, type and input, made by the owner's create (createRetryJob: their limit and fair turn
 * apply, `resource-exhausted` past the limit), recording `retryOf`. The retried job is never written: a terminal
 * document stays as it ended. A job not done, or COMPLETED, is failed-precondition (it has nothing to retry); a
 * repeat finds the retry made before. A refusal writes nothing.
 */
export async function retryJobAsOperator(data: unknown, deps: CreateJobDeps): Promise<AdminRetryJobResponse> {
  const id = requestedJobId(data);
  const job = await readAnyJob(id, deps);
  if (!(RETRYABLE_STATES as readonly string[]).includes(job.state)) {
    throw new JobStateConflictError(
      `job ${id} is ${job.state}; only a ${RETRYABLE_STATES.join(' or ')} job can be retried`,
    );
  }
  const made = await createRetryJob({ id, owner: job.owner, type: job.type, input: job.input }, deps);
  return { ...made, retryOf: id };
}
