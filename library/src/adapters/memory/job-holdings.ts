import type { Job } from '../../core/job';
import type { JobHoldings } from '../../core/ports/job-repository';
import type { MemoryStore, OtherWrites } from './table-access';

/**
 * What the job holds until it ends, as its document says: room in its owner's admission count, and its pool's
 * worker slot once dispatched. Undefined for a job that holds neither (a document older than fair scheduling).
 */
export function holdingsOf(job: Readonly<Job>): JobHoldings | undefined {
  const slot = job.slot ?? null;
  if (job.admissionShard === undefined && slot === null) return undefined;
  return { owner: job.owner, pool: job.pool, admissionShard: job.admissionShard, slot };
}

/**
 * The writes that give back what job `jobId` holds, made in the commit that ends it: its owner's admission shard
 * counts one job fewer, and its worker slot is free again (if the job still holds it). Answers the paths written.
 */
export function givingBack(store: MemoryStore, jobId: string, holdings: JobHoldings | undefined): OtherWrites {
  return () => {
    if (!holdings) return [];
    const written: string[] = [];
    const { owner, pool, admissionShard, slot } = holdings;
    if (admissionShard !== undefined) {
      store.admission.remove(owner, admissionShard);
      written.push(store.paths.admissionShard(owner, admissionShard));
    }
    if (pool !== undefined && typeof slot === 'number' && store.slots.release(pool, slot, jobId)) {
      written.push(store.paths.slot(pool, slot));
    }
    return written;
  };
}
