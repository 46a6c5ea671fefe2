/** The Admin SDK in the test process, on the emulators: to look behind the rules at what was written. */
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { emulatorHosts } from './emulators';

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
