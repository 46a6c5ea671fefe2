/** The Admin SDK in the test process, on the emulators: to look behind the rules at what was written. */
import assert from 'node:assert/strict';
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { JobDocument } from '@async-jobs/contract';
import { emulatorHosts } from './emulators';
import { functionParam } from './function-params';

/** A job document as the functions store it, read with the Admin SDK: its times are Timestamps (to the µs). */
export type StoredJob = JobDocument<Timestamp>;

/** The Admin SDK's app in the test process, on the emulators' project. */
export function adminApp(): App {
  const { projectId } = emulatorHosts();
  return getApps().find((a) => a.name === 'test-admin') ?? initializeApp({ projectId }, 'test-admin');
}

export function adminFirestore(): Firestore {
  return getFirestore(adminApp());
}

/** How many job documents a user owns, read with the Admin SDK. */
export async function countJobsOwnedBy(uid: string): Promise<number> {
  const snap = await adminFirestore().collection('jobs').where('owner', '==', uid).count().get();
  return snap.data().count;
}

/** A job document as the functions store it, read with the Admin SDK; fails the test if it is missing. */
export async function readJob(id: string): Promise<StoredJob> {
  const snap = await adminFirestore().collection('jobs').doc(id).get();
  assert.ok(snap.exists, `jobs/${id} exists`);
  return snap.data() as StoredJob;
}

/**
 * The jobs, read with the Admin SDK every 250 ms until every one is done or `deadlineMs` passes (then the test fails
 * naming those not done): for a test about what jobs become, not about the listeners that follow them.
 */
export async function untilAllDone(ids: readonly string[], deadlineMs = 45_000): Promise<StoredJob[]> {
  const db = adminFirestore();
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const snaps = await db.getAll(...ids.map((id) => db.collection('jobs').doc(id)));
    const pending = snaps.filter((snap) => snap.get('done') !== true).map((snap) => snap.id);
    if (pending.length === 0) return snaps.map((snap) => snap.data() as StoredJob);
    assert.ok(Date.now() < deadline, `not done after ${deadlineMs} ms: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
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
