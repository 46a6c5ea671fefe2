import { JobNotFoundError, JobStateConflictError, TooManyWaitsError } from '../errors';
import type { Job, JobWithId } from '../job';
import { isJobId } from '../job-id';
import { deleteDoneJob, getJob, listOwnerJobs, watchJob, type PageCursor } from '../protocol/owner-jobs';
import { acquireWaitPlace, releaseWaitPlace } from '../protocol/wait-places';
import { deadlineAfter, type StoreAccess } from '../store/store-access';

/** The caller's job, or JobNotFoundError (also for an id that cannot name a job). */
export async function getOwnedJob(access: StoreAccess, owner: string, id: string): Promise<Job> {
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const job = await getJob(access, id, deadlineAfter(access));
  if (!job || job.owner !== owner) throw new JobNotFoundError(id);
  return job;
}

/** One page of the owner's jobs, newest first, and the cursor of the next page if there is one. */
export function listOwnedJobs(
  access: StoreAccess,
  owner: string,
  pageSize: number,
  after: PageCursor | undefined,
): Promise<{ jobs: JobWithId[]; next?: PageCursor }> {
  return listOwnerJobs(access, owner, pageSize, after, deadlineAfter(access));
}

/** Deletes the caller's done job (AIP-151 DeleteOperation); a job not done is a state conflict. */
export async function deleteOwnedJob(access: StoreAccess, owner: string, id: string): Promise<void> {
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const result = await deleteDoneJob(access, owner, id, deadlineAfter(access));
  if (result.kind === 'not-found') throw new JobNotFoundError(id);
  if (result.kind === 'not-done') {
    throw new JobStateConflictError(`job ${id} is ${result.state}; cancel it or wait until it is done`);
  }
}

/**
 * The caller's job once it is done, or as it is when `timeoutMs` passes (AIP-151 WaitOperation). Waits on a
 * listener, not by polling. A wait holds one of the owner's `maxWaits` places for its duration (it holds a request
 * of the HTTP API too), so one user's waits cannot take every request the API can serve; past the limit it is
 * TooManyWaitsError. A place a dead instance never gave back counts until its wait would have ended. When `gone`
 * aborts (the client went away), the wait ends at once and gives its place back: nobody is left to answer.
 */
export async function waitForOwnedJob(
  access: StoreAccess,
  owner: string,
  id: string,
  timeoutMs: number,
  maxWaits: number,
  gone?: AbortSignal,
): Promise<Job> {
  const first = await getOwnedJob(access, owner, id);
  if (first.done || timeoutMs === 0 || gone?.aborted) return first;
  const token = crypto.randomUUID();
  const expireAt = access.clock.now() + timeoutMs;
  if (!(await acquireWaitPlace(access, owner, token, expireAt, maxWaits, deadlineAfter(access)))) {
    throw new TooManyWaitsError(maxWaits);
  }
  try {
    return await untilDoneOr(access, id, first, timeoutMs, gone);
  } finally {
    await releaseWaitPlace(access, owner, token);
  }
}

/** The job once its listener sees it done, or as last seen after `timeoutMs` or when `gone` aborts. */
function untilDoneOr(
  access: StoreAccess,
  id: string,
  first: Job,
  timeoutMs: number,
  gone: AbortSignal | undefined,
): Promise<Job> {
  return new Promise((resolve, reject) => {
    let latest = first;
    const finish = (error?: Error) => {
      cancelTimer();
      unsubscribe();
      gone?.removeEventListener('abort', onGone);
      if (error) reject(error);
      else resolve(latest);
    };
    const onGone = () => finish();
    gone?.addEventListener('abort', onGone);
    const cancelTimer = access.clock.setTimer(timeoutMs, () => finish());
    const unsubscribe = watchJob(
      access,
      id,
      (job) => {
        if (!job) return finish(new JobNotFoundError(id)); // deleted while waited on
        latest = job;
        if (job.done) finish();
      },
      (e) => finish(e),
    );
  });
}
