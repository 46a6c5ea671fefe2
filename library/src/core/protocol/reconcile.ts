import type { JobError } from '@async-jobs/contract';
import type { Millis } from '../job';
import { bounded, commitRepeatable, read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { jobAt, type JobAt } from './job-record';
import type { SlotDocument } from './pool-slots';
import { isLostRace, serverTime, type Query } from '../ports/document-store';

/**
 * Marks the pool swept: its document's `lastSweepTime` becomes the commit's time. It is how an operator, or an app's
 * test of its local workflow, sees that the sweep runs at all: nothing else shows a schedule that never fires (the
 * emulator never runs one) until a job stays stuck. One write per pool per run, once a minute.
 */
export async function markPoolSwept(access: StoreAccess, pool: string, deadline: Millis): Promise<void> {
  const data = { lastSweepTime: serverTime() };
  await commitRepeatable(access, [{ op: 'set', path: access.layout.pool(pool), data, merge: true }], deadline);
}

/**
 * Frees the pool's slots that no job holds: a job gives its slot back (or hands it to the next job) in the commit that
 * ends it, so a slot stays held for nothing only when its job document was deleted or rewritten by hand (an admin, a
 * data deletion request). Two counts (one read each) compare the held slots with the jobs holding one; only when more
 * slots are held than jobs hold one are both listed, and each held slot no job holds is freed, fenced on the slot as
 * read (so a slot taken again meanwhile is left alone). Returns the indexes freed.
 */
export async function freeLeakedSlots(access: StoreAccess, pool: string, deadline: Millis): Promise<number[]> {
  const heldSlots: Query = { collection: access.layout.slots(pool), where: [{ field: 'held', op: '==', value: true }] };
  const holders: Query = {
    collection: access.layout.jobs,
    where: [
      { field: 'pool', op: '==', value: pool },
      { field: 'slot', op: '>=', value: 0 },
    ],
  };
  const [held, holding] = await Promise.all([
    read(access, () => access.store.count(heldSlots), deadline),
    read(access, () => access.store.count(holders), deadline),
  ]);
  if (held <= holding) return [];
  const [slots, jobs] = await Promise.all([
    read(access, () => access.store.query(heldSlots), deadline),
    read(access, () => access.store.query({ ...holders, select: ['slot', 'done'] }), deadline),
  ]);
  const taken = new Set(
    jobs.flatMap((doc) => (doc.data.done === true || typeof doc.data.slot !== 'number' ? [] : [doc.data.slot])),
  );
  const freed: number[] = [];
  for (const doc of slots) {
    const { index } = doc.data as unknown as SlotDocument;
    if (taken.has(index)) continue;
    try {
      await bounded(access, () =>
        access.store.commit([{ op: 'update', path: doc.path, data: { held: false }, ifVersion: doc.version }]),
      );
      freed.push(index);
    } catch (e) {
      if (!isLostRace(e)) throw e; // taken again meanwhile: held for a job now
    }
  }
  return freed;
}

/** The error of a job no deployed worker pool can run. */
export function unservedPoolError(pool: string): JobError {
  return {
    code: 'failed-precondition',
    message: `no worker pool "${pool}" is deployed to run this job (its task's pool was removed or renamed)`,
  };
}

/**
 * Jobs not done in pools this deployment does not serve, created before `createdBefore` (a grace, so a deploy that
 * adds a pool is not met by an older instance's sweep that does not know it yet): no worker will ever run them.
 */
export async function jobsOfUnservedPools(
  access: StoreAccess,
  servedPools: readonly string[],
  createdBefore: Millis,
  limit: number,
  deadline: Millis,
): Promise<JobAt[]> {
  if (servedPools.length === 0) return [];
  const docs = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [
          { field: 'done', op: '==', value: false },
          { field: 'pool', op: 'not-in', value: [...servedPools] },
        ],
        limit,
      }),
    deadline,
  );
  return docs.map(jobAt).filter(({ job }) => job.createTime < createdBefore);
}
