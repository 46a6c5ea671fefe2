import type { JobDocument } from '@async-jobs/contract';
import { FieldValue, Timestamp, type DocumentSnapshot } from 'firebase-admin/firestore';
import type { Job, Millis } from '../../core/job';

/** A job document as the Admin SDK reads it. */
export type FirestoreJob = JobDocument<Timestamp>;

const TIME_FIELDS = [
  'createTime',
  'updateTime',
  'startTime',
  'doneTime',
  'dispatchTime',
  'leaseExpireTime',
  'expireTime',
] as const;

/** The stored time as epoch ms (null and absent kept as they are). */
function toMillis<T extends Timestamp | null | undefined>(time: T): Millis | Exclude<T, Timestamp> {
  return time instanceof Timestamp ? time.toMillis() : (time as Exclude<T, Timestamp>);
}

/** A stored job as the core sees it: every time field in epoch ms. */
export function toJob(stored: FirestoreJob): Job {
  const job = { ...stored } as unknown as Record<string, unknown>;
  for (const field of TIME_FIELDS) {
    if (field in stored) job[field] = toMillis(stored[field]);
  }
  return job as unknown as Job;
}

/** The job in a snapshot, or undefined when there is none. */
export function jobOf(snap: DocumentSnapshot): Job | undefined {
  const stored = snap.data() as FirestoreJob | undefined;
  return stored && toJob(stored);
}

/** A time the core chose, as Firestore stores it. */
export const timestamp = (time: Millis): Timestamp => Timestamp.fromMillis(time);

/** The commit's own time, for createTime, updateTime, startTime and doneTime. */
export const serverTime = (): FieldValue => FieldValue.serverTimestamp();
