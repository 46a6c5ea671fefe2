import type { DocumentData } from 'firebase-admin/firestore';
import type { Job } from '../../core/job';
import { admissionShardCapacities, admissionShardOrder } from '../../core/scheduling/admission';
import { afterLostRace, isTransientError, lostRace } from './commit-errors';
import type { JobsCollection } from './jobs-collection';
import type { SchedulingCollections } from './scheduling-collections';

/** What an admission did. */
export type Admitted =
  /** The job was created, counted in `shard`. */
  | { kind: 'created'; shard: number }
  /** A job was already at the id (a racing repeat of its requestId, or this create's own commit applied twice). */
  | { kind: 'exists'; job: Job }
  /** Every counter is full: the owner holds `active` jobs not done. */
  | { kind: 'full'; active: number };

/** One counter's try: created, exists, full with what it holds, or raced by a concurrent write of the counter. */
type ShardTry = Admitted | { kind: 'shard-full'; active: number } | { kind: 'raced' };

/** Rounds over the counters a create makes at most while some of them are raced or failing for now. */
const MAX_ROUNDS = 20;

/**
 * Admission against an owner's limit of jobs not done, exactly however many creates run at once, without a lock
 * on the owner's jobs: the count is kept in counters (core/scheduling/admission.ts), and a create reads one counter
 * and commits, in one batch, the counter one more (fenced by the update time it read, or created if it was
 * missing) and the job's document (created, so it fails if the job is there). Either both are written or neither:
 * a counter that changed since its read fails the batch, and the create is decided again on a fresh read. No
 * lock is held, so creates and ends of one owner never wait on each other, and the job's own document is the only
 * job it touches.
 *
 * A counter that was raced (or failed for now) is tried again in a later round, after the others; a create is
 * refused only once every counter was read full.
 */
export class OwnerAdmission {
  constructor(
    private readonly docs: JobsCollection,
    private readonly collections: SchedulingCollections,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Creates `job` at `id` in the first of the owner's counters, from a random one on, with room for it; the job
   * document records that counter (`admissionShard`), which its end gives back to, and the rank `rankFor` gives for
   * the counter's last rank, which the counter keeps (`lastRank`) in the same batch.
   */
  async admit(
    id: string,
    owner: string,
    limit: number,
    rankFor: (counterLastRank: number | undefined) => number,
    job: (shard: number, rank: number) => DocumentData,
  ): Promise<Admitted> {
    const capacities = admissionShardCapacities(limit);
    let pending = admissionShardOrder(capacities.length, this.random).filter((k) => (capacities[k] ?? 0) > 0);
    let active = 0;
    for (let round = 1; pending.length > 0; round++) {
      const raced: number[] = [];
      for (const shard of pending) {
        const tried = await this.tryShard(id, owner, shard, capacities[shard] ?? 0, rankFor, job);
        if (tried.kind === 'shard-full') active += tried.active;
        else if (tried.kind === 'raced') raced.push(shard);
        else return tried;
      }
      pending = raced;
      if (pending.length > 0) {
        if (round >= MAX_ROUNDS) throw new Error(`admission: the owner's counters kept changing for ${round} rounds`);
        await afterLostRace(round);
      }
    }
    return { kind: 'full', active };
  }

  private async tryShard(
    id: string,
    owner: string,
    shard: number,
    capacity: number,
    rankFor: (counterLastRank: number | undefined) => number,
    job: (shard: number, rank: number) => DocumentData,
  ): Promise<ShardTry> {
    const counter = this.collections.admissionShard(owner, shard);
    const counted = await counter.get();
    const active = (counted.get('active') as number | undefined) ?? 0;
    if (active >= capacity) return { kind: 'shard-full', active };
    const lastRank = counted.get('lastRank') as number | undefined;
    const rank = rankFor(typeof lastRank === 'number' ? lastRank : undefined);
    const batch = this.docs.db.batch();
    if (counted.updateTime) {
      batch.update(counter, { active: active + 1, lastRank: rank }, { lastUpdateTime: counted.updateTime });
    } else batch.create(counter, { active: 1, lastRank: rank });
    batch.create(this.docs.ref(id).withConverter(null), job(shard, rank));
    try {
      await batch.commit();
      return { kind: 'created', shard };
    } catch (e) {
      if (!lostRace(e) && !isTransientError(e)) throw e;
      // The job may be there: a racing repeat of its requestId made it (which failed this create), or this very
      // commit was applied although it reported an error. Else the counter changed: decided again later.
      const made = (await this.docs.read(id)).job;
      return made ? { kind: 'exists', job: made } : { kind: 'raced' };
    }
  }
}
