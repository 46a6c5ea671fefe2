/**
 * Follows a job with a client listener until a condition holds. Waiting is on the listener; the deadline is only
 * a guard so a broken pipeline fails the test instead of hanging it.
 */
import { doc, onSnapshot, type Firestore, type Timestamp } from 'firebase/firestore';
import type { JobDocument } from '@async-jobs/contract';

export type ClientJob = JobDocument<Timestamp>;

/**
 * A read of the job from the server, taken instead of a snapshot while the listener is silent. Only the load test
 * passes one (see load-faults.emulator.test.ts): everywhere else a listener that stops delivering changes is what
 * the test must catch, so it fails at the deadline.
 */
export interface SilentListenerRead {
  /** How long the listener must have been silent before each read. */
  afterMs: number;
  read(id: string): Promise<ClientJob>;
  /** Called when a read satisfied the predicate, so the wait ended on it and not on the listener. */
  onUsed(id: string): void;
}

/** Resolves with the first snapshot of the job that satisfies `predicate`; `onEach` sees every snapshot. */
export function watchUntil(
  firestore: Firestore,
  id: string,
  predicate: (job: ClientJob) => boolean,
  {
    deadlineMs = 45_000,
    onEach,
    silentListenerRead,
  }: { deadlineMs?: number; onEach?: (job: ClientJob) => void; silentListenerRead?: SilentListenerRead } = {},
): Promise<ClientJob> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last: ClientJob | undefined;
    let lastHeardAt = Date.now();
    let lastReadAt = 0;
    let settled = false;
    let silenceCheck: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      settled = true;
      clearTimeout(deadline);
      clearInterval(silenceCheck);
      unsubscribe();
    };
    const offer = (job: ClientJob | undefined, fromListener: boolean) => {
      if (settled || !job) return;
      if (fromListener) {
        lastHeardAt = Date.now();
        seen += 1;
        last = job;
        onEach?.(job);
      }
      if (predicate(job)) {
        stop();
        if (!fromListener) silentListenerRead?.onUsed(id);
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
            `snapshots, ${lastSeen}`,
        ),
      );
    }, deadlineMs);
    if (silentListenerRead) {
      const { afterMs } = silentListenerRead;
      silenceCheck = setInterval(
        () => {
          if (Date.now() - Math.max(lastHeardAt, lastReadAt) < afterMs) return;
          lastReadAt = Date.now();
          silentListenerRead.read(id).then(
            // Only a read that satisfies the predicate ends the wait; it is not counted as a snapshot.
            (job) => offer(job, false),
            () => undefined, // a failed read changes nothing: the listener and the deadline still stand
          );
        },
        Math.min(1000, afterMs),
      );
    }
    const unsubscribe = onSnapshot(
      doc(firestore, 'jobs', id),
      (snap) => offer(snap.data() as ClientJob | undefined, true),
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
