/**
 * The Firestore job repository against the real Firestore emulator, through the repository contract (the suite
 * the in-memory repository passes too, in test/unit): the same calls give the same answers on both.
 *
 * The adapter runs on a collection of its own rather than `jobs`: the suite leaves jobs queued or running with
 * times long past on purpose, and the sweep the local scheduler runs every minute on `jobs` would take them
 * mid-test (and the other suites' sweeps would find them).
 */
import { randomUUID } from 'node:crypto';
import { firestoreJobRepository } from '../../library/src/adapters/firestore/firestore-job-repository';
import { toJob, type FirestoreJob } from '../../library/src/adapters/firestore/job-codec';
import { adminFirestore } from '../helpers/admin';
import { jobRepositoryContract } from '../contract/job-repository.contract';

const COLLECTION = 'contract-jobs';

jobRepositoryContract('Firestore (emulator)', {
  setUp: () => ({
    repository: firestoreJobRepository(adminFirestore(), COLLECTION),
    now: () => Date.now(),
    newOwner: () => `contract-${randomUUID()}`,
    readJob: async (id) => {
      const stored = (await adminFirestore().collection(COLLECTION).doc(id).get()).data() as FirestoreJob | undefined;
      return stored && toJob(stored);
    },
  }),
});
