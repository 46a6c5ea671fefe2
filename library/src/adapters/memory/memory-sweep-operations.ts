import type { JobState } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, WORKER_LOST, type Job, type Millis } from '../../core/job';
import type { RecoveryResult, SweepOperations } from '../../core/ports/job-repository';
import type { RecoveryAction } from '../../core/recovery';
import { givingBack, holdingsOf } from './job-holdings';
import { SERVER_TIME, type JobFields } from './job-table';
import type { TableAccess } from './table-access';
import { terminalFields } from './terminal-fields';

/**
 * The change each recovery action makes to a job (nothing for `none`), as the Firestore adapter's recoveryUpdate.
 * `republish` and `retry` keep the job's slot: it is sent to a worker again at once.
 */
function recoveryUpdate(action: RecoveryAction, now: Millis, retentionDays: number): JobFields | undefined {
  switch (action) {
    case 'republish':
      return { dispatchTime: now, updateTime: SERVER_TIME };
    case 'retry':
      return {
        state: 'CREATED',
        error: WORKER_LOST,
        dispatchTime: now,
        leaseExpireTime: null,
        updateTime: SERVER_TIME,
      };
    case 'fail':
      return { ...terminalFields('FAILED', now, retentionDays), error: WORKER_LOST };
    case 'cancel':
      return { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER };
    case 'none':
      return undefined;
  }
}

/**
 * The recovery sweep's queries and changes, in memory: the queries read the table's index of jobs by state (so
 * they look at CREATED or RUNNING jobs only, never every job) and answer oldest first, as Firestore orders a query
 * by its inequality field; each change re-reads its job in a transaction, and one that ends the job (`fail`,
 * `cancel`) gives back what it holds in the same commit.
 */
export class MemorySweepOperations implements SweepOperations {
  constructor(private readonly access: TableAccess) {}

  /** Ids of jobs in `state` whose `field` is before `time`, oldest first (then by id), at most `limit`. */
  private async idsBefore(
    state: JobState,
    field: 'dispatchTime' | 'leaseExpireTime',
    time: Millis,
    limit: number,
  ): Promise<string[]> {
    await this.access.beforeQuery();
    const table = this.access.table;
    const found: { id: string; at: number }[] = [];
    for (const id of table.idsInState(state)) {
      const at = table.view(id)?.[field];
      if (typeof at === 'number' && at < time) found.push({ id, at });
    }
    found.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return found.slice(0, Math.max(0, limit)).map(({ id }) => id);
  }

  queuedBefore(time: Millis, limit: number): Promise<string[]> {
    return this.idsBefore('CREATED', 'dispatchTime', time, limit);
  }

  leaseExpiredBefore(time: Millis, limit: number): Promise<string[]> {
    return this.idsBefore('RUNNING', 'leaseExpireTime', time, limit);
  }

  recoverJob(
    id: string,
    now: Millis,
    retentionDays: number,
    decide: (job: Job) => RecoveryAction,
  ): Promise<RecoveryResult | undefined> {
    return this.access.transaction<RecoveryResult | undefined>('recover', id, ({ job }) => {
      if (!job) return { result: undefined };
      const action = decide(job);
      const ends = !job.done && (action === 'fail' || action === 'cancel');
      return {
        result: { action, job },
        write: recoveryUpdate(action, now, retentionDays),
        alsoWrite: ends ? givingBack(this.access.store, id, holdingsOf(job)) : undefined,
      };
    });
  }
}
