import type { JobState } from '@async-jobs/contract';
import type { Job, JobWithId, Millis } from '../job';
import { DOCUMENT_ID, type Unsubscribe } from '../ports/document-store';
import { read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { jobAt } from './job-record';

/** Where a page of an owner's jobs ends: the last job's create time (epoch ms, to the µs) and id. */
export interface PageCursor {
  createTime: Millis;
  id: string;
}

/** A job by id, or undefined. */
export async function getJob(access: StoreAccess, id: string, deadline: Millis): Promise<Job | undefined> {
  const doc = await read(access, () => access.store.get(access.layout.job(id)), deadline);
  return doc && jobAt(doc).job;
}

/** One page of the owner's jobs, newest first (create time, then id, descending), after `after`. */
export async function listOwnerJobs(
  access: StoreAccess,
  owner: string,
  pageSize: number,
  after: PageCursor | undefined,
  deadline: Millis,
): Promise<{ jobs: JobWithId[]; next?: PageCursor }> {
  // One more than a page: its presence says there is a next page.
  const docs = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [{ field: 'owner', op: '==', value: owner }],
        orderBy: [
          { field: 'createTime', direction: 'desc' },
          { field: DOCUMENT_ID, direction: 'desc' },
        ],
        ...(after ? { startAfter: [after.createTime, after.id] } : {}),
        limit: pageSize + 1,
      }),
    deadline,
  );
  const jobs = docs.slice(0, pageSize).map((doc) => ({ id: doc.id, job: jobAt(doc).job }));
  const last = jobs.at(-1);
  if (docs.length <= pageSize || !last) return { jobs };
  return { jobs, next: { createTime: last.job.createTime, id: last.id } };
}

export type DeleteOutcome = { kind: 'deleted' } | { kind: 'not-found' } | { kind: 'not-done'; state: JobState };

/** Deletes the owner's job if it is done, fenced on the read that saw it done. */
export function deleteDoneJob(
  access: StoreAccess,
  owner: string,
  id: string,
  deadline: Millis,
): Promise<DeleteOutcome> {
  const path = access.layout.job(id);
  return transition<DeleteOutcome>(
    access,
    async (): Promise<Decision<DeleteOutcome>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      if (!doc) return { answer: { kind: 'not-found' } };
      const { job, version } = jobAt(doc);
      if (job.owner !== owner) return { answer: { kind: 'not-found' } };
      if (!job.done) return { answer: { kind: 'not-done', state: job.state } };
      return { writes: [{ op: 'delete', path, ifVersion: version }], answer: () => ({ kind: 'deleted' }) };
    },
    deadline,
  );
}

/** Follows one job: its state now, then every change (undefined once it is deleted). */
export function watchJob(
  access: StoreAccess,
  id: string,
  onChange: (job: Job | undefined) => void,
  onError: (e: Error) => void,
): Unsubscribe {
  return access.store.watch(access.layout.job(id), (doc) => onChange(doc && jobAt(doc).job), onError);
}
