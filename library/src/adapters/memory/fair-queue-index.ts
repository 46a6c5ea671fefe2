import type { Job } from '../../core/job';
import { BinaryHeap } from './binary-heap';

/** A waiting job's place in a queue. */
interface QueueEntry {
  rank: number;
  id: string;
}

/** The order of a pool's fair queue: by rank, then by id (as Firestore orders by rank, then document id). */
const queueOrder = (a: QueueEntry, b: QueueEntry) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** Lowest (rank, id) first. */
const lowestFirst = (a: QueueEntry, b: QueueEntry) => queueOrder(a, b) < 0;
/** Highest rank first: an owner's last waiting job on top. */
const highestFirst = (a: QueueEntry, b: QueueEntry) => a.rank > b.rank;

/** Whether the job waits in its pool's queue: CREATED, waiting, with a pool and a rank. */
function waitsInQueue(job: Readonly<Job> | undefined): job is Readonly<Job> & { pool: string; rank: number } {
  return (
    job?.state === 'CREATED' && job.waiting === true && typeof job.pool === 'string' && typeof job.rank === 'number'
  );
}

/**
 * What the fair queues of core/scheduling/fair-queue.ts read, kept up to date from every write of a job as the
 * table's other indexes are: per pool, the waiting jobs by (rank, id), each owner's highest waiting rank, and the
 * frontier (the highest rank ever dispatched: a write that takes a job out of waiting without ending it). A job
 * that ends while it waits (its owner cancels it) leaves its queue and never moves the frontier.
 *
 * Entries of jobs that stopped waiting are dropped lazily, when they reach the top of their heap, so every change
 * costs O(log n) and no query scans the jobs.
 */
export class FairQueueIndex {
  private readonly queues = new Map<string, BinaryHeap<QueueEntry>>();
  private readonly ownerQueues = new Map<string, Map<string, BinaryHeap<QueueEntry>>>();
  private readonly frontiers = new Map<string, number>();

  /** `view` reads a stored job by id (the table's own, never changed), to tell a live entry from a stale one. */
  constructor(private readonly view: (id: string) => Readonly<Job> | undefined) {}

  /** The waiting job of `pool` with the lowest (rank, id). */
  lowestWaiting(pool: string): { id: string; job: Readonly<Job> } | undefined {
    const entry = this.queues.get(pool)?.firstWhere((e) => this.isLive(e, pool));
    const job = entry && this.view(entry.id);
    return entry && job ? { id: entry.id, job } : undefined;
  }

  /** The highest rank among the owner's waiting jobs of `pool`; undefined when none waits. */
  ownerLastWaitingRank(pool: string, owner: string): number | undefined {
    const heap = this.ownerQueues.get(pool)?.get(owner);
    return heap?.firstWhere((e) => this.isLive(e, pool, owner))?.rank;
  }

  /** The highest rank ever dispatched in `pool`; 0 before the first dispatch. */
  frontier(pool: string): number {
    return this.frontiers.get(pool) ?? 0;
  }

  /** Ids of the waiting jobs of `pool`, in queue order (for inspection: it sorts). */
  waitingIds(pool: string): string[] {
    const live = (this.queues.get(pool)?.values() ?? []).filter((e) => this.isLive(e, pool));
    const once = [...new Map(live.map((e) => [e.id, e])).values()]; // a job re-ranked has an entry per rank
    return once.sort(queueOrder).map((e) => e.id);
  }

  /** Takes in a write of job `id` that changed it from `before` to `after` (undefined: absent). */
  reindex(id: string, before: Readonly<Job> | undefined, after: Readonly<Job> | undefined): void {
    const waited = waitsInQueue(before);
    const waits = waitsInQueue(after);
    if (waits && !(waited && before.rank === after.rank && before.pool === after.pool)) {
      const entry = { rank: after.rank, id };
      this.queueOf(after.pool).push(entry);
      this.ownerQueueOf(after.pool, after.owner).push(entry);
    }
    if (waited && after && after.waiting === false && !after.done) {
      this.frontiers.set(before.pool, Math.max(this.frontier(before.pool), before.rank));
    }
  }

  private isLive(entry: QueueEntry, pool: string, owner?: string): boolean {
    const job = this.view(entry.id);
    return (
      waitsInQueue(job) && job.rank === entry.rank && job.pool === pool && (owner === undefined || job.owner === owner)
    );
  }

  private queueOf(pool: string): BinaryHeap<QueueEntry> {
    let heap = this.queues.get(pool);
    if (!heap) this.queues.set(pool, (heap = new BinaryHeap(lowestFirst)));
    return heap;
  }

  private ownerQueueOf(pool: string, owner: string): BinaryHeap<QueueEntry> {
    let owners = this.ownerQueues.get(pool);
    if (!owners) this.ownerQueues.set(pool, (owners = new Map<string, BinaryHeap<QueueEntry>>()));
    let heap = owners.get(owner);
    if (!heap) owners.set(owner, (heap = new BinaryHeap(highestFirst)));
    return heap;
  }
}
