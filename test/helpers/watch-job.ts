/**
 * Follows a job with a client listener until a condition holds. Waiting is on the listener; the deadline is only
 * a guard so a broken pipeline fails the test instead of hanging it. A watch for the emulator's lost change runs
 * beside each listener (lost-changes.ts).
 */
import { doc, onSnapshot, type Firestore, type Timestamp } from 'firebase/firestore';
import type { JobDocument } from '@async-jobs/contract';
import { watchForLostChange, type LostChangeWatchOptions } from './lost-changes';

export type ClientJob = JobDocument<Timestamp>;

/** Resolves with the first snapshot of the job that satisfies `predicate`; `onEach` sees every snapshot. */
export function watchUntil(
  firestore: Firestore,
  id: string,
  predicate: (job: ClientJob) => boolean,
  {
    deadlineMs = 45_000,
    onEach,
    lostChange,
  }: { deadlineMs?: number; onEach?: (job: ClientJob) => void; lostChange?: LostChangeWatchOptions } = {},
): Promise<ClientJob> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last: ClientJob | undefined;
    let lastHeardAt = Date.now();
    let settled = false;
    const lostChangeWatch = watchForLostChange(firestore, id, predicate, lostChange);
    const stop = () => {
      settled = true;
      clearTimeout(deadline);
      lostChangeWatch.stop();
      unsubscribe();
    };
    const offer = (job: ClientJob | undefined) => {
      if (settled || !job) return;
      lastHeardAt = Date.now();
      seen += 1;
      last = job;
      onEach?.(job);
      if (predicate(job)) {
        stop();
        resolve(job);
      }
    };
    const deadline = setTimeout(() => {
      stop();
      // What the listener last saw, and when, tells a stuck pipeline (RUNNING, lease held) from a stalled listener
      // (the job moved on in the worker's logs while the listener stayed on an earlier state).
      const lastSeen = last
        ? `the last ${Date.now() - lastHeardAt} ms before the deadline: ${JSON.stringify({
            state: last.state,
            attempts: last.attempts,
            progress: last.progress,
            error: last.error,
          })}`
        : 'none with the job';
      reject(
        new Error(
          `job ${id} did not reach the awaited condition within ${deadlineMs} ms; the listener gave ${seen} ` +
            `snapshots, ${lastSeen}; its network was restarted ${lostChangeWatch.restarts} times for a lost change`,
        ),
      );
    }, deadlineMs);
    const unsubscribe = onSnapshot(
      doc(firestore, 'jobs', id),
      (snap) => offer(snap.data() as ClientJob | undefined),
      (error) => {
        stop();
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
