/**
 * The bench's `watch` part: what a client's listener adds, on the Firestore emulator, to the time a commit takes to
 * be answered. Ours listens where the baseline polls, and its worker writes the job twice while the owner's client
 * listens (the claim, then the end): the claim's answer is on the path from create to COMPLETED, so whatever the
 * emulator charges a commit for a listener is part of our latency and none of the baseline's.
 *
 * Two documents of the bench's user, alike; the user's web client listens to one (through the security rules, as the
 * app does). The Admin SDK updates them in turn, the way the worker updates a job, and times each commit from its
 * call to its answer; the listened one's change is also timed to the listener's callback.
 */
import { doc, onSnapshot } from 'firebase/firestore';
import { FieldValue } from 'firebase-admin/firestore';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminFirestore } from '../test/helpers/admin';
import { restartNetwork, type TestUser } from '../test/helpers/client';
import { ms, summarize, summaryRow, type Summary } from './stats';
import { within } from './within';

/** Commits per document, alternated between the two. */
export const WATCHED_COMMITS = 50;
/** Untimed commits to each document first: the Admin SDK's first calls open its channel. */
const WARM_UP_COMMITS = 5;
/** The pause between two commits: the listener has had its change by then. */
const PAUSE_MS = 40;
/**
 * How long the listener may take to see a commit. The emulator now and then leaves a listener silent on a change (see
 * seenDone in run.ts): past this, the client's network is restarted once, and that commit's time to the listener is
 * left out.
 */
const LISTENER_STALL_MS = 5_000;

export interface WatchedCommits {
  /** Commit → answer, for the document nobody listens to. */
  unwatched: Summary;
  /** Commit → answer, for the document the owner's client listens to. */
  watched: Summary;
  /** Commit call → the listener's callback with the change, for the listened document. */
  seen: Summary;
}

/** Times one update of `path`, from the call to the commit's answer. */
async function timedUpdate(path: string, n: number): Promise<number> {
  const started = performance.now();
  await adminFirestore().doc(path).update({ n, updateTime: FieldValue.serverTimestamp() });
  return performance.now() - started;
}

/** Measures WATCHED_COMMITS commits to each document, interleaved; deletes both documents after. */
export async function watchedCommits(user: TestUser): Promise<WatchedCommits> {
  const owner = user.uid ?? '';
  const jobs = adminFirestore().collection('jobs');
  // Shaped like a job the rules let its owner read; `done` lets the bench's clean-up take it if this run stops here.
  const data = { owner, state: 'COMPLETED', done: true, type: 'bench.watch', n: 0 };
  const [quiet, listened] = [jobs.doc(), jobs.doc()];
  await Promise.all([quiet.set(data), listened.set(data)]);
  let seenN = 0;
  let onSeen: (() => void) | undefined;
  const unsubscribe = onSnapshot(
    doc(user.firestore, 'jobs', listened.id),
    (snapshot) => {
      seenN = Number(snapshot.get('n'));
      onSeen?.();
    },
    (e) => console.error(`watch: the listener failed: ${String(e)}`),
  );
  const unwatched: number[] = [];
  const watched: number[] = [];
  const seen: number[] = [];
  try {
    for (let n = 1; n <= WARM_UP_COMMITS; n++) {
      await timedUpdate(quiet.path, n);
      await timedUpdate(listened.path, n);
    }
    for (let n = WARM_UP_COMMITS + 1; n <= WARM_UP_COMMITS + WATCHED_COMMITS; n++) {
      unwatched.push(await timedUpdate(quiet.path, n));
      await sleep(PAUSE_MS);
      const started = performance.now();
      const heard = new Promise<true>((resolve) => {
        onSeen = () => {
          if (seenN >= n) resolve(true);
        };
      });
      watched.push(await timedUpdate(listened.path, n));
      if (await within(heard, LISTENER_STALL_MS)) {
        seen.push(performance.now() - started);
      } else {
        await restartNetwork(user.firestore);
        if (!(await within(heard, LISTENER_STALL_MS))) {
          throw new Error(`watch: the owner's listener saw no commit past ${n - 1}, even with its network restarted`);
        }
      }
      await sleep(PAUSE_MS);
    }
  } finally {
    unsubscribe();
    await Promise.all([quiet.delete(), listened.delete()]);
  }
  return { unwatched: summarize(unwatched), watched: summarize(watched), seen: summarize(seen) };
}

/** The part's table. */
export function watchedCommitsTable(w: WatchedCommits): string[] {
  return [
    '',
    `### A listener's charge on the emulator: Admin SDK updates of a job-shaped document (${WATCHED_COMMITS} to each, in turn, after ${WARM_UP_COMMITS})`,
    '',
    '| | p50 | p95 | p99 |',
    '| --- | --- | --- | --- |',
    summaryRow('commit → answer, nobody listening', w.unwatched),
    summaryRow("commit → answer, the owner's client listening", w.watched),
    summaryRow("commit → the owner's listener sees it", w.seen),
    '',
    `A commit to a document a client listens to was answered ${ms(w.watched.p50 - w.unwatched.p50)} later at the median: the emulator`,
    'tells the listener before it answers the commit. Our worker writes the job twice while its owner listens (the claim',
    'and the end), and the handler starts once the claim is answered; the baseline is polled, so none of its writes is',
    'listened to.',
    ...(w.seen.n < WATCHED_COMMITS
      ? [`The listener was silent on ${WATCHED_COMMITS - w.seen.n} commits until its network was restarted: left out.`]
      : []),
  ];
}
