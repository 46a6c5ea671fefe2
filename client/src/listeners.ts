import {
  collection,
  doc,
  limit as limitTo,
  onSnapshot,
  orderBy,
  query,
  where,
  type Firestore,
  type FirestoreError,
} from 'firebase/firestore';
import type { Job, JobWithId, TaskType } from './types.js';

/** Stops a listener. */
export type Unsubscribe = () => void;

/**
 * Follows one job live. `onChange` gets the job on every change (undefined once it is deleted); `onError` gets
 * listener errors: `permission-denied` for another user's job, and for an id that names no job (the rules read the
 * job's owner, so a missing job is refused as another user's is). `watchJob<'resizeImage'>(…)` types the result as
 * that task's. Returns the unsubscribe function.
 */
export function watchJob<Type extends TaskType = TaskType>(
  firestore: Firestore,
  id: string,
  onChange: (job: Job<Type> | undefined) => void,
  onError: (error: FirestoreError) => void = (error) => console.error(`watchJob(${id}):`, error),
): Unsubscribe {
  return onSnapshot(doc(firestore, 'jobs', id), (snap) => onChange(snap.data() as Job<Type> | undefined), onError);
}

/**
 * Follows the user's newest jobs live (newest first, `limit` of them, default 20): the query the security rules
 * allow, backed by the (owner, createTime desc) index.
 */
export function watchMyJobs(
  firestore: Firestore,
  uid: string,
  onChange: (jobs: JobWithId[]) => void,
  options: { limit?: number; onError?: (error: FirestoreError) => void } = {},
): Unsubscribe {
  const mine = query(
    collection(firestore, 'jobs'),
    where('owner', '==', uid),
    orderBy('createTime', 'desc'),
    limitTo(options.limit ?? 20),
  );
  return onSnapshot(
    mine,
    // Pending writes never happen here (clients cannot write jobs); serverTimestamps 'estimate' keeps
    // createTime usable while a just-created job's timestamp is still resolving.
    (snap) => onChange(snap.docs.map((d) => ({ ...(d.data({ serverTimestamps: 'estimate' }) as Job), id: d.id }))),
    options.onError ?? ((error) => console.error('watchMyJobs:', error)),
  );
}
