import type { Millis } from '../../core/job';
import type { OwnerJobOperations } from '../../core/ports/job-repository';
import type { TableAccess } from './table-access';

/**
 * The owners' wait places in memory, as the Firestore adapter's WaitPlaces keeps them on the owner's document: a
 * place is taken in one atomic step on that document (retried while it fails for now), and given back with one
 * write. Commits are recorded, and faults keyed, under the owner's uid in place of a job id.
 */
export class MemoryWaitOperations implements Pick<OwnerJobOperations, 'acquireWait' | 'releaseWait'> {
  constructor(private readonly access: TableAccess) {}

  /** Drops the owner's places expired by `now`, then takes one under `token` if fewer than `maxWaits` remain. */
  acquireWait(owner: string, token: string, now: Millis, expireAt: Millis, maxWaits: number): Promise<boolean> {
    const { waits, paths } = this.access.store;
    const take = () =>
      this.access.atomically('wait', () => {
        // Already there: this take's own commit, applied although it reported an error, and run again.
        if (waits.expiryOf(owner, token) === expireAt) return { result: true };
        const expired = waits.expiredBy(owner, now);
        const taken = waits.heldBy(owner) - expired.length < maxWaits;
        if (!taken && expired.length === 0) return { result: false };
        const apply = () => {
          for (const gone of expired) waits.remove(owner, gone);
          if (taken) waits.add(owner, token, expireAt);
          return [paths.owner(owner)];
        };
        return { result: taken, commit: { jobId: owner, apply } };
      });
    return this.access.retryingTransient(take);
  }

  /** Gives back the place under `token`; writes nothing if there is none. */
  releaseWait(owner: string, token: string): Promise<void> {
    const { waits, paths } = this.access.store;
    return this.access.atomically('wait', () => {
      if (waits.expiryOf(owner, token) === undefined) return { result: undefined };
      const apply = () => {
        waits.remove(owner, token);
        return [paths.owner(owner)];
      };
      return { result: undefined, commit: { jobId: owner, apply } };
    });
  }
}
