import type { Firestore } from 'firebase-admin/firestore';
import type { JobRepository } from '../../core/ports/job-repository';
import { FirestoreAttemptOperations } from './attempt-operations';
import { FirestoreDispatchOperations } from './dispatch-operations';
import { JobsCollection } from './jobs-collection';
import { FirestoreOwnerOperations } from './owner-operations';
import { SchedulingCollections } from './scheduling-collections';
import { FirestoreSweepOperations } from './sweep-operations';
import { WaitPlaces } from './wait-places';

/**
 * The job repository on Firestore: the `jobs` collection, and beside it the scheduling's owners and pools
 * (`jobOwners`, `jobPools` for `jobs`; see scheduling-collections.ts), all written only by this adapter (the Admin
 * SDK, past the security rules, which let clients read their own jobs and nothing else). Each role is its own
 * module.
 */
export function firestoreJobRepository(db: Firestore, collection: string): JobRepository {
  const docs = new JobsCollection(db, collection);
  const scheduling = new SchedulingCollections(db, collection);
  const owner = new FirestoreOwnerOperations(docs, scheduling);
  const waits = new WaitPlaces(scheduling);
  const dispatch = new FirestoreDispatchOperations(docs, scheduling);
  const attempts = new FirestoreAttemptOperations(docs, scheduling);
  const sweep = new FirestoreSweepOperations(docs, scheduling);
  return {
    newJobId: () => owner.newJobId(),
    create: (id, by, request, admission) => owner.create(id, by, request, admission),
    get: (id) => owner.get(id),
    cancel: (id, by, now, retentionDays) => owner.cancel(id, by, now, retentionDays),
    deleteIfDone: (id, by) => owner.deleteIfDone(id, by),
    listByOwner: (by, pageSize, after) => owner.listByOwner(by, pageSize, after),
    watch: (id, onChange, onError) => docs.watch(id, onChange, onError),
    acquireWait: (by, token, now, expireAt, maxWaits) => waits.acquireWait(by, token, now, expireAt, maxWaits),
    releaseWait: (by, token) => waits.releaseWait(by, token),
    dispatchNext: (pool, capacity, now) => dispatch.dispatchNext(pool, capacity, now),
    read: (id) => attempts.read(id),
    claim: (id, now, leaseMs, seen) => attempts.claim(id, now, leaseMs, seen),
    finish: (at, outcome, now, retentionDays, durations) => attempts.finish(at, outcome, now, retentionDays, durations),
    requeue: (at, error, dispatchAt) => attempts.requeue(at, error, dispatchAt),
    writeProgress: (at, progress) => attempts.writeProgress(at, progress),
    renewLease: (at, leaseExpireTime) => attempts.renewLease(at, leaseExpireTime),
    isTransientError: (e) => attempts.isTransientError(e),
    queuedBefore: (time, limit) => sweep.queuedBefore(time, limit),
    leaseExpiredBefore: (time, limit) => sweep.leaseExpiredBefore(time, limit),
    recoverJob: (id, now, retentionDays, decide) => sweep.recoverJob(id, now, retentionDays, decide),
  };
}
