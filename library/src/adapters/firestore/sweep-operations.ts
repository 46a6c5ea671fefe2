import type { JobState } from '@async-jobs/contract';
import type { UpdateData } from 'firebase-admin/firestore';
import { CANCELLED_BY_OWNER, WORKER_LOST, type Job, type Millis } from '../../core/job';
import type { RecoveryResult, SweepOperations } from '../../core/ports/job-repository';
import type { RecoveryAction } from '../../core/recovery';
import { serverTime, timestamp, toJob, type FirestoreJob } from './job-codec';
import { holdingsOf, releaseWrites } from './job-holdings';
import type { JobsCollection } from './jobs-collection';
import type { SchedulingCollections } from './scheduling-collections';
import { terminalFields } from './terminal-fields';

/** The change each recovery action makes to a job (nothing for `none`). */
function recoveryUpdate(
  action: RecoveryAction,
  now: Millis,
  retentionDays: number,
): UpdateData<FirestoreJob> | undefined {
  switch (action) {
    case 'republish':
      return { dispatchTime: timestamp(now), updateTime: serverTime() };
    case 'retry':
      return {
        state: 'CREATED',
        error: WORKER_LOST,
        dispatchTime: timestamp(now),
        leaseExpireTime: null,
        updateTime: serverTime(),
      };
    case 'fail':
      return { ...terminalFields('FAILED', now, retentionDays), error: WORKER_LOST };
    case 'cancel':
      return { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER };
    case 'none':
      return undefined;
  }
}

/** Whether an action ends the job, and so gives back what it holds; `retry` and `republish` keep its slot. */
const endsJob = (action: RecoveryAction) => action === 'fail' || action === 'cancel';

/**
 * The recovery sweep's queries and changes, on Firestore; each change re-reads its job in a transaction. A job
 * waiting for a slot has no dispatch time (null), so the query for lost messages never finds one.
 */
export class FirestoreSweepOperations implements SweepOperations {
  constructor(
    private readonly docs: JobsCollection,
    private readonly collections: SchedulingCollections,
  ) {}

  /** Ids of jobs in `state` whose `field` is before `time`. */
  private async idsBefore(
    state: JobState,
    field: 'dispatchTime' | 'leaseExpireTime',
    time: Millis,
    limit: number,
  ): Promise<string[]> {
    const snap = await this.docs.db
      .collection(this.docs.name)
      .where('state', '==', state)
      .where(field, '<', timestamp(time))
      .limit(limit)
      .get();
    return snap.docs.map((d) => d.id);
  }

  queuedBefore(time: Millis, limit: number): Promise<string[]> {
    return this.idsBefore('CREATED', 'dispatchTime', time, limit);
  }

  leaseExpiredBefore(time: Millis, limit: number): Promise<string[]> {
    return this.idsBefore('RUNNING', 'leaseExpireTime', time, limit);
  }

  async recoverJob(
    id: string,
    now: Millis,
    retentionDays: number,
    decide: (job: Job) => RecoveryAction,
  ): Promise<RecoveryResult | undefined> {
    return this.docs.db.runTransaction(async (tx) => {
      const ref = this.docs.ref(id);
      const stored = (await tx.get(ref)).data();
      if (!stored) return undefined;
      const job = toJob(stored);
      const action = decide(job);
      const update = recoveryUpdate(action, now, retentionDays);
      if (update) tx.update(ref, update);
      if (endsJob(action)) {
        for (const { ref: held, data } of releaseWrites(this.collections, holdingsOf(job))) {
          tx.set(held, data, { merge: true });
        }
      }
      return { action, job };
    });
  }
}
