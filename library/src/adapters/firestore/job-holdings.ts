import { FieldValue, type DocumentData, type DocumentReference } from 'firebase-admin/firestore';
import type { Job } from '../../core/job';
import type { JobHoldings } from '../../core/ports/job-repository';
import type { SchedulingCollections } from './scheduling-collections';

/**
 * What a job not done holds, as its document says: a place in one of its owner's admission counters, and its
 * pool's worker slot once dispatched. A document made before admission and slots existed holds nothing.
 */
export function holdingsOf(job: Job): JobHoldings | undefined {
  const counted = typeof job.admissionShard === 'number';
  const slotted = typeof job.slot === 'number' && typeof job.pool === 'string';
  if (!counted && !slotted) return undefined;
  return { owner: job.owner, pool: job.pool, admissionShard: job.admissionShard, slot: job.slot ?? null };
}

/** A write that gives a holding back; merged into its document, so a document gone missing never fails the commit. */
export interface ReleaseWrite {
  ref: DocumentReference<DocumentData>;
  data: DocumentData;
}

/**
 * The writes that give back what a job holds, for the commit that ends it (a job gives them back exactly once,
 * since only the write that ends it, fenced or in a transaction on the job, carries them): its admission counter
 * one less, and its slot free. The job's own fields (`slot`, `waiting`, `waitReason`) are cleared by the terminal
 * fields.
 */
export function releaseWrites(collections: SchedulingCollections, holdings: JobHoldings | undefined): ReleaseWrite[] {
  if (!holdings) return [];
  const writes: ReleaseWrite[] = [];
  if (typeof holdings.admissionShard === 'number') {
    writes.push({
      ref: collections.admissionShard(holdings.owner, holdings.admissionShard).withConverter(null),
      data: { active: FieldValue.increment(-1) },
    });
  }
  if (typeof holdings.slot === 'number' && typeof holdings.pool === 'string') {
    writes.push({ ref: collections.slot(holdings.pool, holdings.slot).withConverter(null), data: { jobId: null } });
  }
  return writes;
}
