/**
 * The app's own test, on the Firebase emulator suite (`npm test` starts it): a signed-in user creates a countWords
 * job with the typed client, follows it live to COMPLETED, cancels a slow one, and is refused a bad input; and the
 * recovery sweep runs, which the emulators never run by themselves (`npm test` wraps mocha in the library's
 * async-jobs-local-scheduler).
 */
import assert from 'node:assert/strict';
import { cancelJob, createJob, JobCancelledError, waitForJob, watchJob, type Job } from '@async-jobs/client';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getDoc, getFirestore, type Firestore } from 'firebase/firestore';
import { connectFunctionsEmulator, FunctionsError, getFunctions, type Functions } from 'firebase/functions';
import { deleteApp as deleteAdminApp, initializeApp as initializeAdminApp } from 'firebase-admin/app';
import { getFirestore as getAdminFirestore, type DocumentData, type Timestamp } from 'firebase-admin/firestore';
import type { AppTaskTypes } from '../functions/src/index.js';

// The typed client checks each call against the app's own tasks (input and result), from their types alone.
declare module '@async-jobs/contract' {
  interface TaskTypes extends AppTaskTypes {}
}

const PROJECT_ID = 'demo-word-count';

describe('word count on async-jobs (emulator suite)', function () {
  this.timeout(90_000);
  let app: FirebaseApp;
  let functions: Functions;
  let firestore: Firestore;

  before(async () => {
    app = initializeApp({ projectId: PROJECT_ID, apiKey: 'demo-api-key' });
    const auth = getAuth(app);
    connectAuthEmulator(auth, 'http://127.0.0.1:9099', { disableWarnings: true });
    await signInAnonymously(auth);
    functions = getFunctions(app, 'us-central1');
    connectFunctionsEmulator(functions, '127.0.0.1', 5001);
    firestore = getFirestore(app);
    connectFirestoreEmulator(firestore, '127.0.0.1', 8080);
  });

  after(async () => {
    await deleteApp(app);
  });

  it('counts the words of a text: the job goes CREATED → RUNNING → COMPLETED, live, with its result', async () => {
    const states: string[] = [];
    const { id, state } = await createJob(functions, 'countWords', {
      text: 'the quick brown fox jumps',
      msPerWord: 200,
    });
    assert.equal(state, 'CREATED');
    const unsubscribe = watchJob(firestore, id, (job) => {
      if (job && states.at(-1) !== job.state) states.push(job.state);
    });
    const job: Job<'countWords'> = await waitForJob<'countWords'>(firestore, id, { timeoutMs: 60_000 });
    unsubscribe();
    assert.deepEqual(job.result, { words: 5, longest: 'quick' });
    assert.equal(job.progress?.percent, 100);
    assert.equal(states.at(-1), 'COMPLETED');
    assert.ok(states.includes('RUNNING') || states.length === 1, `states seen: ${states.join(' → ')}`);
  });

  it('cancels a running job: it ends CANCELLED before its last word', async () => {
    const text = Array.from({ length: 100 }, (_, n) => `word${n}`).join(' ');
    const { id } = await createJob(functions, 'countWords', { text, msPerWord: 500 });
    await new Promise<void>((resolve) => {
      const unsubscribe = watchJob(firestore, id, (job) => {
        if (job?.state === 'RUNNING') {
          unsubscribe();
          resolve();
        }
      });
    });
    const cancelled = await cancelJob(functions, id);
    assert.equal(cancelled.cancelRequested, true);
    await assert.rejects(waitForJob(firestore, id, { timeoutMs: 60_000 }), JobCancelledError);
    const stored = (await getDoc(doc(firestore, 'jobs', id))).data();
    assert.equal(stored?.state, 'CANCELLED');
    assert.ok((stored?.progress?.percent ?? 0) < 100, 'it stopped before the last word');
  });

  it('refuses a bad input with invalid-argument, naming the field', async () => {
    const error = await createJob(functions, 'countWords', { text: '' }).catch((e: unknown) => e);
    assert.ok(error instanceof FunctionsError, `a FunctionsError, not ${String(error)}`);
    assert.equal(error.code, 'functions/invalid-argument');
    assert.match(error.message, /input\.text/);
  });

  it('runs the recovery sweep at the start and every minute: each run marks the pool', async () => {
    // What no client may read (the rules deny the pool documents), read with the Admin SDK, as an operator would.
    const admin = initializeAdminApp({ projectId: PROJECT_ID }, 'sweep-check');
    const pool = getAdminFirestore(admin).doc('jobPools/standard');
    const sweptAt = (data: DocumentData | undefined) => (data?.lastSweepTime as Timestamp | undefined)?.toMillis();
    try {
      const first = sweptAt((await pool.get()).data());
      assert.ok(first, 'the sweep ran when the scheduler started');
      const next = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no sweep within 75 s of the last')), 75_000);
        const unsubscribe = pool.onSnapshot((snap) => {
          const at = sweptAt(snap.data());
          if (at === undefined || at <= first) return;
          clearTimeout(timer);
          unsubscribe();
          resolve(at);
        }, reject);
      });
      // A minute apart, less however long the first run (on a cold emulator) took beyond the second.
      assert.ok(next - first >= 30_000, `the next run came ${next - first} ms later: on its schedule, not at once`);
    } finally {
      await deleteAdminApp(admin);
    }
  });

  it('refuses a task type the app does not define', async () => {
    // @ts-expect-error -- the typed client knows only countWords; the server refuses the rest too
    const error = await createJob(functions, 'resizeImage', {}).catch((e: unknown) => e);
    assert.ok(error instanceof FunctionsError);
    assert.equal(error.code, 'functions/invalid-argument');
  });
});
