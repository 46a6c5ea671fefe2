/**
 * Follows a job with a client listener until a condition holds. Waiting is on the listener; the deadline is only
 * a guard so a broken pipeline fails the test instead of hanging it.
 */
import { doc, onSnapshot, type Firestore, type Timestamp } from 'firebase/firestore';
import type { JobDocument } from '../../functions/src/job/job-document';

export type ClientJob = JobDocument<Timestamp>;

/** Resolves with the first snapshot of the job that satisfies `predicate`; `onEach` sees every snapshot. */
export function watchUntil(
  firestore: Firestore,
  id: string,
  predicate: (job: ClientJob) => boolean,
  { deadlineMs = 45_000, onEach }: { deadlineMs?: number; onEach?: (job: ClientJob) => void } = {},
): Promise<ClientJob> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last: ClientJob | undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      // What the listener last saw tells a stuck pipeline (RUNNING, lease held) from a stalled listener.
      const lastSeen = last
        ? JSON.stringify({ state: last.state, attempts: last.attempts, progress: last.progress, error: last.error })
        : 'nothing';
      reject(
        new Error(
          `job ${id} did not reach the awaited condition within ${deadlineMs} ms; ${seen} snapshots, last: ${lastSeen}`,
        ),
      );
    }, deadlineMs);
    const unsubscribe = onSnapshot(
      doc(firestore, 'jobs', id),
      (snap) => {
        const job = snap.data() as ClientJob | undefined;
        if (!job) return;
        seen += 1;
        last = job;
        onEach?.(job);
        if (predicate(job)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(job);
        }
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export interface WatchedJob {
  /** Each snapshot's state, in the order the listener saw them (repeats removed). */
  states: string[];
  /** Every snapshot the listener saw. */
  snapshots: ClientJob[];
  final: ClientJob;
}

/** Follows a job until it is done, keeping every snapshot. */
export async function watchUntilDone(firestore: Firestore, id: string, deadlineMs = 45_000): Promise<WatchedJob> {
  const snapshots: ClientJob[] = [];
  const final = await watchUntil(firestore, id, (job) => job.done, {
    deadlineMs,
    onEach: (job) => snapshots.push(job),
  });
  const states = snapshots.map((s) => s.state).filter((state, i, all) => i === 0 || all[i - 1] !== state);
  return { states, snapshots, final };
}
