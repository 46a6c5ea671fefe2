import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import type { Job } from '../../core/job';
import type { JobRead, Unsubscribe } from '../../core/ports/job-repository';
import { isTransientError, MAX_TRIES, transientBackoff } from './commit-errors';
import { jobOf, type FirestoreJob } from './job-codec';

/** The `jobs` collection: references, ids and the one read every role shares. */
export class JobsCollection {
  constructor(
    readonly db: Firestore,
    readonly name: string,
  ) {}

  ref(id: string): DocumentReference<FirestoreJob> {
    return this.db.collection(this.name).doc(id) as DocumentReference<FirestoreJob>;
  }

  /** A new random document id (Firestore's auto-id). */
  newId(): string {
    return this.db.collection(this.name).doc().id;
  }

  /** Follows one job's document. */
  watch(id: string, onChange: (job: Job | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    return this.ref(id).onSnapshot((snap) => onChange(jobOf(snap)), onError);
  }

  /**
   * The job and its update time (the version that fences a write decided on this read). A read that fails
   * transiently is tried again with the fenced writes' backoff: the claim and the checks after an ambiguous
   * commit depend on it.
   */
  async read(id: string): Promise<JobRead> {
    for (let tries = 1; ; tries++) {
      try {
        const snap = await this.ref(id).get();
        return { job: jobOf(snap), version: snap.updateTime };
      } catch (e) {
        if (!isTransientError(e) || tries >= MAX_TRIES) throw e;
        await transientBackoff(tries);
      }
    }
  }
}
