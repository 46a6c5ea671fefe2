/**
 * Follows a job with a client listener until a condition holds. Waiting is on the listener; the deadline is only
 * a guard so a broken pipeline fails the test instead of hanging it.
 */
import { doc, onSnapshot, type Firestore, type Timestamp } from 'firebase/firestore';
import type { JobDocument } from '@async-jobs/contract';
import { readJob } from './admin';

export type ClientJob = JobDocument<Timestamp>;

/** How long a listener may stay silent before the helper also reads the job once (see watchUntil). */
const SILENT_LISTENER_MS = 10_000;

/**
 * Resolves with the first snapshot of the job that satisfies `predicate`; `onEach` sees every snapshot.
 *
 * Under load the Firestore emulator has been seen to stop sending one listener's changes: in a CI run of the
 * load test the worker logged a job COMPLETED while its listener's last snapshot stayed RUNNING for 45 s. So
 * while the listener is silent for SILENT_LISTENER_MS, the job is also read from the server, and a read that
 * satisfies the predicate counts as a snapshot. Tests of the pipeline stay honest (the job must really get
 * there); only the emulator's delivery to one listener is not relied on.
 *
 * That read goes through the Admin SDK, not the client's getDocFromServer: the client SDK serves a second read of
 * a document it already listens to from the same watch target, so it returned the stalled RUNNING view again
 * (a later run failed that way while the worker's own read showed the job COMPLETED). Its Timestamps are the
 * Admin SDK's, which have the same fields and methods the predicates use.
 */
export function watchUntil(
  firestore: Firestore,
  id: string,
  predicate: (job: ClientJob) => boolean,
  { deadlineMs = 45_000, onEach }: { deadlineMs?: number; onEach?: (job: ClientJob) => void } = {},
): Promise<ClientJob> {
  return new Promise((resolve, reject) => {
    const ref = doc(firestore, 'jobs', id);
    let seen = 0;
    let last: ClientJob | undefined;
    let lastHeardAt = Date.now();
    let settled = false;
    const stop = () => {
      settled = true;
      clearTimeout(deadline);
      clearInterval(silenceCheck);
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
    const silenceCheck = setInterval(() => {
      if (Date.now() - lastHeardAt < SILENT_LISTENER_MS) return;
      lastHeardAt = Date.now();
      readJob(id).then(
        (stored) => {
          const job = stored as unknown as ClientJob;
          // Only a read that satisfies the predicate is taken: an unchanged one is not a new snapshot.
          if (predicate(job)) offer(job);
        },
        () => undefined, // a failed or missing read changes nothing: the listener and the deadline still stand
      );
    }, 1000);
    const unsubscribe = onSnapshot(
      ref,
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
