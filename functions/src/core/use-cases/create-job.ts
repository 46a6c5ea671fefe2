import type { CreateJobResponse } from '@async-jobs/contract';
import { parseCreateJobRequest, type CreateJobLimits } from '../create-request';
import { QuotaExceededError, RequestIdReusedError } from '../errors';
import type { JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { OwnerJobOperations } from '../ports/job-repository';
import { jobIdForRequest } from '../request-identity';
import type { TaskRegistry } from '../tasks/task-registry';

/** What creating a job needs, passed in so tests can give their own. */
export interface CreateJobDeps {
  jobs: OwnerJobOperations;
  queue: JobQueue;
  tasks: TaskRegistry;
  log: JobLog;
  /** The limits in force for this call (params, read at call time). */
  limits(): CreateJobLimits & { maxActiveJobsPerUser: number };
}

/**
 * Creates a job for an authenticated owner (the callable and the HTTP API both call this): validation, then the
 * job document (the repository checks the quota and the requestId), then the job's message. A refused request
 * throws a DomainError and writes nothing. If the publish fails the job stays CREATED and the recovery sweep
 * sends it again, so the caller's job is never lost.
 */
export async function createJob(owner: string, data: unknown, deps: CreateJobDeps): Promise<CreateJobResponse> {
  const limits = deps.limits();
  const parsed = parseCreateJobRequest(data, deps.tasks, limits);
  const id = parsed.requestId === undefined ? deps.jobs.newJobId() : jobIdForRequest(owner, parsed.requestId);
  const created = await deps.jobs.create(id, owner, parsed, limits.maxActiveJobsPerUser);
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
  try {
    await deps.queue.publish(id, parsed.type);
  } catch (e) {
    deps.log.publishFailed(id, e);
  }
  deps.log.jobCreated(id, parsed.type, owner);
  return { id, type: parsed.type, state: 'CREATED' };
}
