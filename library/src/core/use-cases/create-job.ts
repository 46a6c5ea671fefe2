import type { CreateJobResponse } from '@async-jobs/contract';
import { parseCreateJobRequest, type CreateJobLimits } from '../create-request';

/** The per-user limits in force for a call (params, read at call time). */
export interface JobLimits extends CreateJobLimits {
  /** Jobs one user may have not done (CREATED or RUNNING) at once. */
  maxActiveJobsPerUser: number;
  /** Requests of one user that may wait on a job (`:wait`) at once. */
  maxWaitsPerUser: number;
}
import { QuotaExceededError, RequestIdReusedError } from '../errors';
import type { DispatchOperations, OwnerJobOperations } from '../ports/job-repository';
import { jobIdForRequest } from '../request-identity';
import type { TaskRegistry } from '../tasks/task-registry';
import { dispatchWaitingJobs, type DispatchDeps } from './dispatch';

/** What creating a job needs, passed in so tests can give their own. */
export interface CreateJobDeps extends DispatchDeps {
  jobs: OwnerJobOperations & DispatchOperations;
  tasks: TaskRegistry;
  /** The limits in force for this call (params, read at call time). */
  limits(): JobLimits;
}

/**
 * Creates a job for an authenticated owner (the callable and the HTTP API both call this): validation, then the
 * job document, admitted against the owner's limit and queued in its pool with its fair rank (the repository
 * checks the limit exactly, and the requestId), then a dispatch, which sends the pool's next waiting job to a
 * worker if a slot is free. A refused request throws a DomainError and writes nothing. A job that finds every
 * slot busy waits, CREATED with `waitReason: capacity`, and starts when a slot frees; if its message is lost the
 * recovery sweep sends it again, so the caller's job is never lost.
 */
export async function createJob(owner: string, data: unknown, deps: CreateJobDeps): Promise<CreateJobResponse> {
  const limits = deps.limits();
  const parsed = parseCreateJobRequest(data, deps.tasks, limits);
  const id = parsed.requestId === undefined ? deps.jobs.newJobId() : jobIdForRequest(owner, parsed.requestId);
  const pool = deps.tasks.poolOf(parsed.type);
  const created = await deps.jobs.create(id, owner, parsed, { maxActiveJobs: limits.maxActiveJobsPerUser, pool });
  switch (created.kind) {
    case 'existing':
      return { id, type: created.job.type, state: created.job.state };
    case 'request-mismatch':
      throw new RequestIdReusedError(parsed.requestId ?? '');
    case 'quota-exceeded':
      throw new QuotaExceededError(created.active, limits.maxActiveJobsPerUser);
    case 'created':
      break;
  }
  deps.log.jobCreated(id, parsed.type, owner);
  await dispatchWaitingJobs(deps, pool);
  return { id, type: parsed.type, state: 'CREATED' };
}
