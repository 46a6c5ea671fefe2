import type { DocumentReference, QueryDocumentSnapshot, Timestamp } from 'firebase-admin/firestore';
import { ALREADY_EXISTS, grpcCode } from './commit-errors';
import type { SchedulingCollections, SlotDocument } from './scheduling-collections';

/** A free slot as read: its index, and the version that fences a write decided on that read. */
export interface FreeSlot {
  index: number;
  ref: DocumentReference<SlotDocument>;
  updateTime: Timestamp;
}

const asFreeSlot = (snap: QueryDocumentSnapshot<SlotDocument>): FreeSlot => ({
  index: Number(snap.id),
  ref: snap.ref,
  updateTime: snap.updateTime,
});

/** Free slots read per look: enough to spread concurrent dispatches over different slots. */
const FREE_SLOTS_READ = 5;

/**
 * A pool's worker slots, `{pools}/{pool}/slots/{index}`: one document per slot, `jobId` null while it is free. The
 * first `capacity` are in use; the documents are made when a dispatch first needs them, in index order, so they
 * always form a prefix 0…n−1 and their count says which exist. A slot document is only ever created (never
 * overwritten), so a slot a job holds is never freed by the making of slots.
 */
export class PoolSlots {
  constructor(private readonly collections: SchedulingCollections) {}

  /** Indexes of some free slots among the pool's first `capacity`, making the slot documents the pool lacks. */
  async freeSlots(pool: string, capacity: number): Promise<FreeSlot[]> {
    if (capacity < 1) return [];
    const free = await this.freeBelow(pool, capacity);
    if (free.length > 0) return free;
    // None free: all held, or not made yet (a new pool, a raised capacity). The count is one read.
    const made = (await this.collections.slots(pool).count().get()).data().count;
    if (made >= capacity) return [];
    await this.makeSlots(pool, made, capacity);
    return this.freeBelow(pool, capacity);
  }

  /**
   * Free slots below `capacity`. A few are read; only when all of those are at or past `capacity` (it was lowered)
   * are all the free ones read.
   */
  private async freeBelow(pool: string, capacity: number): Promise<FreeSlot[]> {
    const free = this.collections.slots(pool).where('jobId', '==', null);
    const some = (await free.limit(FREE_SLOTS_READ).get()).docs.map(asFreeSlot);
    const below = (slots: FreeSlot[]) => slots.filter(({ index }) => Number.isInteger(index) && index < capacity);
    if (below(some).length > 0 || some.length < FREE_SLOTS_READ) return below(some);
    return below((await free.get()).docs.map(asFreeSlot));
  }

  /**
   * Makes slots `from` to `capacity` − 1, one after the other (so the documents stay a prefix however many
   * dispatches make them at once); one another dispatch made first is left as it is.
   */
  private async makeSlots(pool: string, from: number, capacity: number): Promise<void> {
    for (let index = from; index < capacity; index++) {
      try {
        await this.collections.slot(pool, index).create({ jobId: null });
      } catch (e) {
        if (grpcCode(e) !== ALREADY_EXISTS) throw e;
      }
    }
  }
}
