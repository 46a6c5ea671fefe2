import type { Query, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { fairRank } from '../../core/scheduling/fair-queue';
import type { JobsCollection } from './jobs-collection';

/**
 * Jobs read per page while looking for the frontier: one first (the usual case: the highest rank not waiting was
 * dispatched), then pages of ten past jobs that ended without ever being dispatched.
 */
const FIRST_PAGE = 1;
const NEXT_PAGES = 10;
/** Pages read at most: past them the frontier is taken from the last job read, never lower than the true one. */
const FRONTIER_PAGES = 5;

const rankOf = (snap: QueryDocumentSnapshot): number | undefined => {
  const rank: unknown = snap.get('rank');
  return typeof rank === 'number' ? rank : undefined;
};

/**
 * A new job's rank in its pool's fair queue (core/scheduling/fair-queue.ts), from two small queries made before
 * the create's commit and apart from it (a transaction that read the owner's jobs would lock them against their
 * workers' writes), and the last rank of the admission counter that counts the job, read with the counter itself.
 * Creates of one owner at once read the same "last waiting job", but each counter's last rank climbs: at most one
 * job per counter shares a rank, ties go by job id, and the owners still take turns.
 */
export class QueueRanks {
  constructor(private readonly docs: JobsCollection) {}

  /** The rank for a job, given the last rank of the admission counter that will count it. */
  async rankerFor(pool: string, owner: string): Promise<(counterLastRank: number | undefined) => number> {
    const [frontier, ownerLast] = await Promise.all([this.frontier(pool), this.ownerLastWaitingRank(pool, owner)]);
    return (counterLastRank) => fairRank(frontier, ownerLast, counterLastRank);
  }

  private poolJobs(pool: string, waiting: boolean): Query {
    return this.docs.db.collection(this.docs.name).where('pool', '==', pool).where('waiting', '==', waiting);
  }

  /**
   * The highest rank the pool has dispatched (0 if none): among its jobs not waiting, the first by rank, highest
   * first, that was dispatched. A job that ended while it waited (cancelled in the queue) is not waiting either,
   * but was never dispatched (its dispatchTime is null): it is skipped, or an owner cancelling the tail of a flood
   * would push every newcomer behind the rest of that flood.
   */
  private async frontier(pool: string): Promise<number> {
    const byRank = this.poolJobs(pool, false).orderBy('rank', 'desc').select('rank', 'dispatchTime');
    let query = byRank.limit(FIRST_PAGE);
    let lastRead: number | undefined;
    for (let page = 0; page < FRONTIER_PAGES; page++) {
      const size = page === 0 ? FIRST_PAGE : NEXT_PAGES;
      const { docs } = await query.get();
      for (const snap of docs) {
        const rank = rankOf(snap);
        if (rank === undefined) continue;
        lastRead = rank;
        if (snap.get('dispatchTime') !== null) return rank;
      }
      const last = docs.at(-1);
      if (!last || docs.length < size) return 0;
      query = byRank.startAfter(last).limit(NEXT_PAGES);
    }
    return lastRead ?? 0;
  }

  /** The highest rank among the owner's jobs waiting in the pool, if any. */
  private async ownerLastWaitingRank(pool: string, owner: string): Promise<number | undefined> {
    // Filters in the order of their composite index (pool, owner, waiting, rank descending).
    const { docs } = await this.docs.db
      .collection(this.docs.name)
      .where('pool', '==', pool)
      .where('owner', '==', owner)
      .where('waiting', '==', true)
      .orderBy('rank', 'desc')
      .select('rank')
      .limit(1)
      .get();
    const last = docs[0];
    return last && rankOf(last);
  }
}
