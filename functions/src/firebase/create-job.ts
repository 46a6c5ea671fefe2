import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { parseCreateJobRequest, type CreateJobLimits } from '../job/create-request';
import type { JobState } from '../job/job-state';
import { ValidationError } from '../job/validation-error';
import { logs } from '../logs';
import type { TaskRegistry } from '../tasks/registry';
import type { JobQueue } from './job-queue';
import type { JobStore } from './job-store';

/** What createJob needs, passed in so tests can give their own. */
export interface CreateJobDeps {
  store: JobStore;
  queue: JobQueue;
  tasks: TaskRegistry;
  limits: CreateJobLimits;
}

/** What createJob returns: the new job's id; follow the job at `jobs/{id}`. */
export interface CreateJobResponse {
  id: string;
  type: string;
  state: JobState;
}

/**
 * The callable's logic: auth, then validation, then the job document, then the task message. A request that
 * fails auth or validation writes nothing; a job whose message cannot be published is removed again, so no
 * job is left that no worker will ever see.
 */
export async function handleCreateJob(
  request: CallableRequest<unknown>,
  deps: CreateJobDeps,
): Promise<CreateJobResponse> {
  const owner = request.auth?.uid;
  if (!owner) throw new HttpsError('unauthenticated', 'createJob needs a signed-in user (Firebase Auth)');
  let parsed;
  try {
    parsed = parseCreateJobRequest(request.data, deps.tasks, deps.limits);
  } catch (e) {
    if (e instanceof ValidationError) throw new HttpsError('invalid-argument', e.message, { field: e.field });
    throw e;
  }
  const id = deps.store.newJobId();
  await deps.store.create(id, owner, parsed);
  try {
    await deps.queue.publish(id, parsed.type);
  } catch (e) {
    logs.publishFailed(id, e);
    await deps.store.delete(id);
    throw new HttpsError('unavailable', 'the job could not be queued; nothing was created, try again');
  }
  logs.jobCreated(id, parsed.type, owner);
  return { id, type: parsed.type, state: 'CREATED' };
}
