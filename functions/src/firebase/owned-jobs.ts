import { HttpsError } from 'firebase-functions/v2/https';
import type { PageCursor } from '../http/request-parsing';
import { isJobId } from '../job/job-id';
import type { JobStore, StoredJob } from './job-store';

/** The one answer for a job that is missing or not the caller's: the two must look the same. */
export function notFound(id: string): HttpsError {
  return new HttpsError('not-found', `no job ${id}`);
}

/** The caller's job, or `not-found` (also for an id that cannot name a document). */
export async function getOwnedJob(store: JobStore, owner: string, id: string): Promise<StoredJob> {
  if (!isJobId(id)) throw notFound(id);
  const job = await store.get(id);
  if (!job || job.owner !== owner) throw notFound(id);
  return job;
}

/** One page of the owner's jobs, newest first, and the cursor of the next page if there is one. */
export async function listOwnedJobs(
  store: JobStore,
  owner: string,
  pageSize: number,
  after: PageCursor | undefined,
): Promise<{ jobs: { id: string; job: StoredJob }[]; next?: PageCursor }> {
  const found = await store.listByOwner(owner, pageSize + 1, after);
  const jobs = found.slice(0, pageSize);
  const last = jobs.at(-1);
  if (found.length <= pageSize || !last) return { jobs };
  const { seconds, nanoseconds } = last.job.createTime;
  return { jobs, next: { createTimeMicros: seconds * 1_000_000 + Math.floor(nanoseconds / 1000), id: last.id } };
}

/** Deletes the caller's done job (AIP-151 DeleteOperation); a job not done is `failed-precondition`. */
export async function deleteOwnedJob(store: JobStore, owner: string, id: string): Promise<void> {
  if (!isJobId(id)) throw notFound(id);
  const result = await store.deleteIfDone(id, owner);
  if (result.kind === 'not-found') throw notFound(id);
  if (result.kind === 'not-done') {
    throw new HttpsError('failed-precondition', `job ${id} is ${result.state}; cancel it or wait until it is done`);
  }
}

/**
 * The caller's job once it is done, or as it is when `timeoutMs` passes (AIP-151 WaitOperation). Waits on a
 * Firestore listener, not by polling.
 */
export async function waitForOwnedJob(
  store: JobStore,
  owner: string,
  id: string,
  timeoutMs: number,
): Promise<StoredJob> {
  const first = await getOwnedJob(store, owner, id);
  if (first.done || timeoutMs === 0) return first;
  return new Promise((resolve, reject) => {
    let latest = first;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      unsubscribe();
      if (error) reject(error);
      else resolve(latest);
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    const unsubscribe = store.watch(
      id,
      (job) => {
        if (!job) return finish(notFound(id)); // deleted while waited on
        latest = job;
        if (job.done) finish();
      },
      (e) => finish(e),
    );
  });
}
