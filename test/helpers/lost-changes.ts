/**
 * The Firestore emulator's lost change, and what a test client does about it.
 *
 * A write that commits while a listen target is being set up can be left out of that target's changes: the
 * listener's first snapshot shows the document as it was, and no later snapshot ever comes, with no error. Both the
 * client SDK and the Admin SDK see it, about once in a thousand listeners whose document changes within ~100 ms of
 * the listen (scratch runs of 600–1500 such listeners against the emulator of google-cloud-cli 528). Production
 * Firestore sends every change a target owes; the emulator's own race is no behaviour of this project's code.
 *
 * So a test's wait on a client listener runs a watch beside it: every `checkEveryMs` it reads the job through the
 * Admin SDK, and once the server has held a state the wait is waiting for, for `stallMs`, while the listener has
 * not delivered it, the watch restarts the client's network. The SDK then listens again and sends the document as it
 * is. The wait still ends only on a snapshot from the listener: the server read decides when to restart, never what
 * the wait returns. A listener broken for any other reason (rules, a job that never gets there, an unsubscribe)
 * still fails its test at the deadline. Each restart is printed and counted.
 */
import type { Firestore } from 'firebase/firestore';
import { adminFirestore } from './admin';
import { restartNetwork } from './client';

/** How long the server must have held the awaited state, unseen by the listener, before a restart. */
export const LOST_CHANGE_STALL_MS = 5_000;

/** How a watch reads the server and restarts a client; the tests of the watch replace `restart`. */
export interface LostChangeWatchOptions {
  checkEveryMs?: number;
  stallMs?: number;
  restart?: (firestore: Firestore) => Promise<void>;
}

let restartCount = 0;

/** How many restarts the watches of this process have made (the load test bounds it). */
export function lostChangeRestarts(): number {
  return restartCount;
}

/**
 * Watches, beside a listener on `jobs/{id}` through `firestore`, for a change the emulator lost, and restarts that
 * client's network when the server has held a document satisfying `awaited` for `stallMs`. Returns the watch:
 * `stop()` it when the wait ends; `restarts` says how many it made.
 */
export function watchForLostChange<Job>(
  firestore: Firestore,
  id: string,
  awaited: (job: Job) => boolean,
  { checkEveryMs = 1_000, stallMs = LOST_CHANGE_STALL_MS, restart = restartNetwork }: LostChangeWatchOptions = {},
): { stop(): void; readonly restarts: number } {
  let restarts = 0;
  let awaitedSince: number | undefined;
  let checking = false;
  let stopped = false;
  const ref = adminFirestore().collection('jobs').doc(id);
  const check = async () => {
    const data = (await ref.get()).data() as Job | undefined;
    if (!data || !awaited(data)) {
      awaitedSince = undefined;
      return;
    }
    awaitedSince ??= Date.now();
    if (stopped || Date.now() - awaitedSince < stallMs) return;
    restarts += 1;
    restartCount += 1;
    awaitedSince = undefined; // the restarted listener gets stallMs again before another restart
    console.warn(
      `      test clients: the listener on job ${id} left out a change the server has held for ${stallMs} ms ` +
        `(the Firestore emulator's lost change); restarting the client's network (${restarts})`,
    );
    await restart(firestore);
  };
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch((e: unknown) =>
        console.warn(`      test clients: the lost-change check of job ${id} failed: ${String(e)}`),
      )
      .finally(() => (checking = false));
  }, checkEveryMs);
  return {
    stop: () => {
      stopped = true; // a check in flight restarts nothing once the wait has ended
      clearInterval(timer);
    },
    get restarts() {
      return restarts;
    },
  };
}

/** `wait`, a wait on a listener of `firestore` until `jobs/{id}` is done, with a lost-change watch beside it. */
export async function untilDoneWatched<T>(firestore: Firestore, id: string, wait: Promise<T>): Promise<T> {
  const watch = watchForLostChange(firestore, id, (job: { done?: boolean }) => job.done === true);
  try {
    return await wait;
  } finally {
    watch.stop();
  }
}
