import type { Millis } from '../../core/job';
import type { DispatchOperations, DispatchResult } from '../../core/ports/job-repository';
import { SERVER_TIME } from './job-table';
import type { TableAccess } from './table-access';

/**
 * The dispatch of waiting jobs to free worker slots, in memory: one atomic step reads the pool's fair queue and its
 * slots, and gives the waiting job with the lowest (rank, id) a free slot below the capacity (a random one, as the
 * Firestore adapter picks), writing the job and the slot in one commit; retried while it fails for now, as the
 * adapter's is. So no slot is given twice and no job dispatched twice, however many dispatches race.
 */
export class MemoryDispatchOperations implements DispatchOperations {
  constructor(private readonly access: TableAccess) {}

  dispatchNext(pool: string, capacity: number, now: Millis): Promise<DispatchResult> {
    const { table, slots, paths } = this.access.store;
    const dispatch = () =>
      this.access.atomically<DispatchResult>('dispatch', () => {
        const next = table.queues.lowestWaiting(pool);
        if (!next) return { result: { kind: 'none-waiting' } };
        const slot = slots.freeBelow(pool, capacity);
        if (slot === undefined) return { result: { kind: 'no-free-slot' } };
        const { id, job } = next;
        const apply = () => {
          table.update(id, { waiting: false, waitReason: null, slot, dispatchTime: now, updateTime: SERVER_TIME });
          slots.take(pool, slot, id);
          return [paths.job(id), paths.slot(pool, slot)];
        };
        return { result: { kind: 'dispatched', jobId: id, type: job.type }, commit: { jobId: id, apply } };
      });
    return this.access.retryingTransient(dispatch);
  }
}
