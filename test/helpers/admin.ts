/** The Admin SDK in the test process, on the emulators: to look behind the rules at what was written. */
import assert from 'node:assert/strict';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { FirestoreJob } from '../../library/src/adapters/firestore/job-codec';
import { emulatorHosts } from './emulators';
import { functionParam } from './function-params';

export function adminFirestore(): Firestore {
  const { projectId } = emulatorHosts();
  const app = getApps().find((a) => a.name === 'test-admin') ?? initializeApp({ projectId }, 'test-admin');
  return getFirestore(app);
}

/** How many job documents a user owns, read with the Admin SDK. */
export async function countJobsOwnedBy(uid: string): Promise<number> {
  const snap = await adminFirestore().collection('jobs').where('owner', '==', uid).count().get();
  return snap.data().count;
}

/** A job document as the functions store it, read with the Admin SDK; fails the test if it is missing. */
export async function readJob(id: string): Promise<FirestoreJob> {
  const snap = await adminFirestore().collection('jobs').doc(id).get();
  assert.ok(snap.exists, `jobs/${id} exists`);
  return snap.data() as FirestoreJob;
}

/**
 * Lets the sweep's dispatch grace pass on the document rather than on the clock: the queued job's dispatch time
 * becomes a grace and a second ago, so a sweep at the real time takes its message for lost.
 */
export async function letDispatchGracePass(id: string): Promise<void> {
  const queuedAt = Date.now() - functionParam('DISPATCH_GRACE_SECONDS') * 1000 - 1000;
  await adminFirestore()
    .collection('jobs')
    .doc(id)
    .update({ dispatchTime: Timestamp.fromMillis(queuedAt) });
}
