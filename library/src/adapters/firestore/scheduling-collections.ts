import type { CollectionReference, DocumentReference, Firestore } from 'firebase-admin/firestore';

/** A job's owner as the scheduling stores it (`{owners}/{owner}`): the places its `:wait` requests hold. */
export interface OwnerDocument {
  /** Token → epoch ms at which the place lapses, for each wait that holds a place. */
  waits?: Record<string, number>;
}

/** One of an owner's admission counters (`{owners}/{owner}/admission/{k}`); missing counts as 0. */
export interface AdmissionShardDocument {
  /** Jobs not done it counts. */
  active?: number;
  /** The rank it gave the last job it admitted (core/scheduling/fair-queue.ts). */
  lastRank?: number;
}

/** One worker slot of a pool (`{pools}/{pool}/slots/{index}`): the job that holds it, null when free. */
export interface SlotDocument {
  jobId: string | null;
}

/**
 * The names of the scheduling's collections beside a jobs collection: `jobs` → `jobOwners` and `jobPools`, and
 * any other name (a test's own collection) gets its own pair, so the slots and counters of two job collections
 * never mix.
 */
export function schedulingCollectionNames(jobsCollection: string): { owners: string; pools: string } {
  const stem = jobsCollection.endsWith('s') ? jobsCollection.slice(0, -1) : jobsCollection;
  return { owners: `${stem}Owners`, pools: `${stem}Pools` };
}

/**
 * The documents the fair scheduling keeps beside the jobs, written only by this adapter (clients can read none of
 * them): per owner, the admission counters and the places of waiting requests; per pool, its worker slots.
 */
export class SchedulingCollections {
  private readonly names: { owners: string; pools: string };

  constructor(
    private readonly db: Firestore,
    jobsCollection: string,
  ) {
    this.names = schedulingCollectionNames(jobsCollection);
  }

  owner(owner: string): DocumentReference<OwnerDocument> {
    return this.db.collection(this.names.owners).doc(owner);
  }

  admissionShard(owner: string, shard: number): DocumentReference<AdmissionShardDocument> {
    return this.owner(owner).collection('admission').doc(String(shard));
  }

  slots(pool: string): CollectionReference<SlotDocument> {
    return this.db.collection(this.names.pools).doc(pool).collection('slots') as CollectionReference<SlotDocument>;
  }

  slot(pool: string, index: number): DocumentReference<SlotDocument> {
    return this.slots(pool).doc(String(index));
  }
}
