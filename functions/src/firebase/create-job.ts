import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { parseCreateJobRequest, type CreateJobLimits } from '../job/create-request';
import type { JobState } from '../job/job-state';
import { jobIdForRequest } from '../job/request-identity';
import { ValidationError } from '../job/validation-error';
import { logs } from '../logs';
import { requireCaller } from './require-caller';
import type { TaskRegistry } from '../tasks/registry';
import type { TaskQueue } from './job-queue';
import type { JobStore } from './job-store';

/** What createJob needs, passed in so tests can give their own. */
export interface CreateJobDeps {
  store: JobStore;
  queue: TaskQueue;
  tasks: TaskRegistry;
  /** The limits in force for this call (params, read at call time). */
  limits(): CreateJobLimits & { maxActiveJobsPerUser: number };
  /** ENFORCE_APP_CHECK, read per call. */
  enforceAppCheck(): boolean;
}

/** What createJob returns: the job's id; follow the job at `jobs/{id}`. */
export interface CreateJobResponse {
  id: string;
  type: string;
  state: JobState;
}

/**
 * The callable's logic: the caller, then `createJobFor`.
 */
export async function handleCreateJob(
  request: CallableRequest<unknown>,
  deps: CreateJobDeps,
): Promise<CreateJobResponse> {
  return createJobFor(requireCaller(request, 'createJob', deps.enforceAppCheck()), request.data, deps);
}

/**
 * Creating a job for an authenticated owner, shared by the callable and the HTTP API: validation, then the job
 * document (quota and requestId checked in the same transaction), then the task message. A refused request
 * writes nothing. If the publish fails the job stays CREATED and the recovery sweep publishes it again, so the
 * caller's job is never lost.
 */
export async function createJobFor(owner: string, data: unknown, deps: CreateJobDeps): Promise<CreateJobResponse> {
  const limits = deps.limits();
  let parsed;
  try {
    parsed = parseCreateJobRequest(data, deps.tasks, limits);
  } catch (e) {
    if (e instanceof ValidationError) throw new HttpsError('invalid-argument', e.message, { field: e.field });
    throw e;
  }
  const id = parsed.requestId === undefined ? deps.store.newJobId() : jobIdForRequest(owner, parsed.requestId);
  const created = await deps.store.create(id, owner, parsed, limits.maxActiveJobsPerUser);
  switch (created.kind) {
    case 'existing':
      return { id, type: created.job.type, state: created.job.state };
    case 'request-mismatch':
      throw new HttpsError(
        'already-exists',
        `requestId ${parsed.requestId} was already used for a different request (AIP-155); use a new requestId`,
        { field: 'requestId' },
      );
    case 'quota-exceeded':
      throw new HttpsError(
        'resource-exhausted',
        `you have ${created.active} jobs not done; the limit is ${limits.maxActiveJobsPerUser}: wait for one to end or cancel one`,
      );
    case 'created':
      break;
  }
  try {
    await deps.queue.publish(id, parsed.type);
  } catch (e) {
    logs.publishFailed(id, e);
  }
  logs.jobCreated(id, parsed.type, owner);
  return { id, type: parsed.type, state: 'CREATED' };
}
