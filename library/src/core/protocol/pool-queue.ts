import type { Millis } from '../job';
import { DOCUMENT_ID } from '../ports/document-store';
import { read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { jobAt, type JobAt } from './job-record';

/**
 * A pool's fair queue is its jobs with `waiting: true`, in `rank` order (then id): the lowest rank gets the next
 * free slot. These are its queries; each is one indexed query of at most a few documents.
 */

/** The pool's waiting jobs with the lowest ranks, at most `limit`, lowest first. */
export async function lowestWaiting(
  access: StoreAccess,
  pool: string,
  limit: number,
  deadline: Millis,
): Promise<JobAt[]> {
  const docs = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [
          { field: 'pool', op: '==', value: pool },
          { field: 'waiting', op: '==', value: true },
        ],
        orderBy: [
          { field: 'rank', direction: 'asc' },
          { field: DOCUMENT_ID, direction: 'asc' },
        ],
        limit,
      }),
    deadline,
  );
  return docs.map(jobAt);
}

/** A rank field as read: a number, or undefined. */
function rankOf(data: { readonly [field: string]: unknown } | undefined): number | undefined {
  const rank = data?.rank;
  return typeof rank === 'number' ? rank : undefined;
}

/** The highest rank among the owner's jobs waiting in the pool, if it has any waiting. */
export async function ownerLastWaitingRank(
  access: StoreAccess,
  pool: string,
  owner: string,
  deadline: Millis,
): Promise<number | undefined> {
  const [last] = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [
          { field: 'pool', op: '==', value: pool },
          { field: 'owner', op: '==', value: owner },
          { field: 'waiting', op: '==', value: true },
        ],
        orderBy: [{ field: 'rank', direction: 'desc' }],
        limit: 1,
        select: ['rank'],
      }),
    deadline,
  );
  return rankOf(last?.data);
}

/**
 * The rank a job that starts waiting now is measured from (the pool's virtual time): the lowest rank waiting, or,
 * while none waits, the highest rank any of the pool's jobs not waiting still has (sent, running or done), so ranks
 * keep climbing across idle spells and a job whose rank was decided just before the queue emptied is not left
 * behind a new run of lower ranks. Not waiting: jobs another owner's create queued between the two queries would
 * otherwise set the front at their last rank, and this owner would join behind all of them.
 */
export async function queueFront(access: StoreAccess, pool: string, deadline: Millis): Promise<number> {
  const [lowest] = await lowestWaiting(access, pool, 1, deadline);
  const lowestRank = rankOf(lowest?.job as unknown as { rank?: unknown });
  if (lowestRank !== undefined) return lowestRank;
  const [highest] = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [
          { field: 'pool', op: '==', value: pool },
          { field: 'waiting', op: '==', value: false },
        ],
        orderBy: [{ field: 'rank', direction: 'desc' }],
        limit: 1,
        select: ['rank'],
      }),
    deadline,
  );
  return rankOf(highest?.data) ?? 0;
}
