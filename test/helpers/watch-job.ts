/**
 * Follows a job with a client listener until it is done, keeping every state the listener saw. Waiting is on
 * the listener; the deadline is only a guard so a broken pipeline fails the test instead of hanging it.
 */
import { doc, onSnapshot, type Firestore, type Timestamp } from 'firebase/firestore';
import type { JobDocument } from '../../functions/src/job/job-document';

export type ClientJob = JobDocument<Timestamp>;

export interface WatchedJob {
  /** Each snapshot's state, in the order the listener saw them (repeats removed). */
  states: string[];
  final: ClientJob;
}

export function watchUntilDone(firestore: Firestore, id: string, deadlineMs = 45_000): Promise<WatchedJob> {
  return new Promise((resolve, reject) => {
    const states: string[] = [];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`job ${id} not done after ${deadlineMs} ms; states seen: ${states.join(' → ') || 'none'}`));
    }, deadlineMs);
    const unsubscribe = onSnapshot(
      doc(firestore, 'jobs', id),
      (snap) => {
        const job = snap.data() as ClientJob | undefined;
        if (!job) return;
        if (states.at(-1) !== job.state) states.push(job.state);
        if (job.done) {
          clearTimeout(timer);
          unsubscribe();
          resolve({ states, final: job });
        }
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
