import type { Firestore } from 'firebase-admin/firestore';
import type { JobRepository } from '../../core/ports/job-repository';
import { FirestoreAttemptOperations } from './attempt-operations';
import { JobsCollection } from './jobs-collection';
import { FirestoreOwnerOperations } from './owner-operations';
import { FirestoreSweepOperations } from './sweep-operations';

/**
 * The job repository on Firestore: the `jobs` collection, written only by this adapter (the Admin SDK, past the
 * security rules, which let clients read their own jobs and write none). Each role is its own module.
 */
export function firestoreJobRepository(db: Firestore, collection: string): JobRepository {
  const docs = new JobsCollection(db, collection);
  const owner = new FirestoreOwnerOperations(docs);
  const attempts = new FirestoreAttemptOperations(docs);
  const sweep = new FirestoreSweepOperations(docs);
  return {
    newJobId: () => owner.newJobId(),
    create: (id, by, request, maxActiveJobs) => owner.create(id, by, request, maxActiveJobs),
    get: (id) => owner.get(id),
    cancel: (id, by, now, retentionDays) => owner.cancel(id, by, now, retentionDays),
    deleteIfDone: (id, by) => owner.deleteIfDone(id, by),
    listByOwner: (by, pageSize, after) => owner.listByOwner(by, pageSize, after),
    watch: (id, onChange, onError) => docs.watch(id, onChange, onError),
    read: (id) => attempts.read(id),
    claim: (id, now, leaseMs, seen) => attempts.claim(id, now, leaseMs, seen),
    finish: (at, outcome, now, retentionDays, durations) => attempts.finish(at, outcome, now, retentionDays, durations),
    requeue: (at, error, dispatchAt) => attempts.requeue(at, error, dispatchAt),
    writeProgress: (at, progress) => attempts.writeProgress(at, progress),
    isTransientError: (e) => attempts.isTransientError(e),
    queuedBefore: (time, limit) => sweep.queuedBefore(time, limit),
    leaseExpiredBefore: (time, limit) => sweep.leaseExpiredBefore(time, limit),
    recoverJob: (id, now, retentionDays, decide) => sweep.recoverJob(id, now, retentionDays, decide),
  };
}
