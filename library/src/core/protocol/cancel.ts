import type { JobError, JobState } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type Millis } from '../job';
import { serverTime, type Unsubscribe, type Write } from '../ports/document-store';
import { read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { DEFAULT_POOL } from '../tasks/task';
import { isSuspended, jobAt, terminalFields } from './job-record';
import { freeSlot } from './pool-slots';

export type CancelOutcome =
  /** A job no worker held (CREATED, or RUNNING suspended), now CANCELLED; `freedSlotOf`: the pool of the slot freed. */
  | { kind: 'cancelled'; job: Job; freedSlotOf?: string }
  /** A RUNNING job in a worker's hands, now with `cancelRequested`: its worker stops the handler and ends it. */
  | { kind: 'cancel-requested'; job: Job }
  | { kind: 'not-found' }
  | { kind: 'already-done'; state: JobState };

/**
 * The owner's cancel, decided on the job as read and written fenced on that read: a job no worker holds (CREATED:
 * waiting, sent or waiting out a retry's backoff; RUNNING but suspended: asleep, continuing, queued or sent to go on)
 * ends CANCELLED at once and gives back its slot in the same commit; a RUNNING job in a worker's hands gets
 * `cancelRequested`, which its worker acts on (its next write's fence fails on this one, and its listener sees it).
 * Another user's job is `not-found`, exactly like a missing one. `reason` is the error a job no worker holds ends
 * with: the owner's cancel by default, an operator's for `adminCancelJob`.
 */
export function cancelJob(
  access: StoreAccess,
  owner: string,
  id: string,
  retentionDays: number,
  deadline: Millis,
  reason: JobError = CANCELLED_BY_OWNER,
): Promise<CancelOutcome> {
  const path = access.layout.job(id);
  /** The pool whose slot this call's cancel gave back, once a round decided to cancel the queued job. */
  let decided: { freedSlotOf?: string } | undefined;
  return transition<CancelOutcome>(
    access,
    async (): Promise<Decision<CancelOutcome>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      if (!doc) return { answer: { kind: 'not-found' } };
      const { job, version } = jobAt(doc);
      if (job.owner !== owner) return { answer: { kind: 'not-found' } };
      // A job this call decided to cancel, found CANCELLED on a later round: the cancel was applied although its
      // commit reported an error (or a racing cancel made it). Either way the owner's cancel is done, and the slot
      // it gave back is to be filled.
      if (decided && job.state === 'CANCELLED') return { answer: { kind: 'cancelled', job, ...decided } };
      if (job.done) return { answer: { kind: 'already-done', state: job.state } };
      if (job.state === 'RUNNING' && !isSuspended(job)) {
        decided = undefined; // claimed meanwhile: its worker ends it
        if (job.cancelRequested === true) return { answer: { kind: 'cancel-requested', job } };
        return {
          writes: [
            { op: 'update', path, data: { cancelRequested: true, updateTime: serverTime() }, ifVersion: version },
          ],
          answer: () => ({ kind: 'cancel-requested', job: { ...job, cancelRequested: true } }),
        };
      }
      const now = access.clock.now();
      const pool = job.pool ?? DEFAULT_POOL;
      const writes: Write[] = [
        {
          op: 'update',
          path,
          data: { ...terminalFields('CANCELLED', now, retentionDays), error: reason },
          ifVersion: version,
        },
      ];
      const holdsSlot = typeof job.slot === 'number';
      if (holdsSlot) writes.push(freeSlot(access, pool, job.slot as number));
      decided = holdsSlot ? { freedSlotOf: pool } : {};
      return { writes, answer: () => ({ kind: 'cancelled', job, ...(holdsSlot ? { freedSlotOf: pool } : {}) }) };
    },
    deadline,
  );
}

/**
 * Follows a job its worker runs for its owner's cancel: `onRequested` is called when `cancelRequested` is set, at
 * once if it is already. A listener of the job that only sends it once the request is there (watchMatching): it
 * pays a read when it starts and one for the request, where a listener of the whole document would pay one for
 * each of its own worker's progress writes and heartbeats.
 */
export function watchCancelRequest(
  access: StoreAccess,
  id: string,
  onRequested: () => void,
  onError: (e: Error) => void,
): Unsubscribe {
  return access.store.watchMatching(
    access.layout.job(id),
    [{ field: 'cancelRequested', op: '==', value: true }],
    () => onRequested(),
    onError,
  );
}
