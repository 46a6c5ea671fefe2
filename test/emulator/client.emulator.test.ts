/**
 * The client library (client/) against the emulator suite, through the modular Firebase JS SDK, including its
 * error paths. It is tested from source here, and its built bundle once more in a Node ESM process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirestoreError } from 'firebase/firestore';
import type { FunctionsError } from 'firebase/functions';
import {
  cancelJob,
  createJob,
  createJobs,
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  waitForJob,
  watchJob,
  watchMyJobs,
  type Job,
  type JobWithId,
  type TaskInput,
  type TaskResult,
} from '../../client/src/index';
import { userForSuite, withSignedInUser, type TestUser } from '../helpers/client';
import { emulatorHosts } from '../helpers/emulators';
import { untilDoneWatched } from '../helpers/lost-changes';

describe('client library (emulator)', () => {
  let user: TestUser;
  let other: TestUser;
  userForSuite((u) => (user = u));
  userForSuite((u) => (other = u));

  it('types a task input by its name: the typed call runs that task on that input', async () => {
    // That a wrong input or an unknown task name does not compile is test/unit/client-types.test.ts; this is the
    // same typed call at run time, through the callable to the worker: the task named runs on the input given.
    const input: TaskInput<'primes'> = { below: 100 };
    const created = await createJob(user.functions, 'primes', input);
    assert.equal(created.type, 'primes');
    const job = await untilDoneWatched(
      user.firestore,
      created.id,
      waitForJob(user.firestore, created.id, { timeoutMs: 30_000 }),
    );
    assert.equal(job.type, 'primes');
    assert.deepEqual(job.input, input);
    const expected: TaskResult<'primes'> = { below: 100, count: 25 };
    assert.deepEqual(job.result, expected, 'π(100) = 25');
  });

  it('createJobs starts a typed batch: each job is its own task on its own input, in the order asked', async () => {
    const created = await createJobs(user.functions, [
      { type: 'primes', input: { below: 100 } },
      { type: 'sleep', input: { worktime: 0 } },
    ]);
    assert.deepEqual(
      created.jobs.map((job) => job.type),
      ['primes', 'sleep'],
    );
    const [primes, slept] = await Promise.all(
      created.jobs.map(({ id }) =>
        untilDoneWatched(user.firestore, id, waitForJob(user.firestore, id, { timeoutMs: 30_000 })),
      ),
    );
    assert.deepEqual(primes?.result, { below: 100, count: 25 });
    assert.equal(slept?.result, 'OK completed');
    // A bad item is refused with the callable error naming it, and with a requestId the batch is made once.
    await assert.rejects(
      createJobs(user.functions, [{ type: 'sleep', input: { worktime: -1 } }]),
      (e: FunctionsError) => e.code === 'functions/invalid-argument' && /jobs\.0\.input\.worktime/.test(e.message),
    );
    const requestId = crypto.randomUUID();
    const once = await createJobs(user.functions, [{ type: 'sleep', input: { worktime: 0 } }], requestId);
    const twice = await createJobs(user.functions, [{ type: 'sleep', input: { worktime: 0 } }], requestId);
    assert.equal(twice.jobs[0]?.id, once.jobs[0]?.id);
  });

  it('createJob rejects bad input with the callable error', async () => {
    await assert.rejects(
      createJob(user.functions, 'sleep', { worktime: -1 }),
      (e: FunctionsError) => e.code === 'functions/invalid-argument' && /input\.worktime/.test(e.message),
    );
  });

  it('watchJob reports every change until done; waitForJob resolves with the completed job', async () => {
    const { id } = await createJob(user.functions, 'sleep', { worktime: 1 });
    const seen: string[] = [];
    const unsubscribe = watchJob(user.firestore, id, (job) => {
      if (job && seen.at(-1) !== job.state) seen.push(job.state);
    });
    try {
      const job = await untilDoneWatched(user.firestore, id, waitForJob(user.firestore, id, { timeoutMs: 30_000 }));
      assert.equal(job.state, 'COMPLETED');
      assert.equal(job.result, 'OK completed');
      assert.deepEqual(seen.slice(-2), ['RUNNING', 'COMPLETED']);
    } finally {
      unsubscribe();
    }
  });

  it('waitForJob rejects with JobFailedError for a FAILED job, carrying its error', async () => {
    const { id } = await user.createJob({ type: 'test.fail', input: { message: 'nope', code: 'failed-precondition' } });
    await assert.rejects(untilDoneWatched(user.firestore, id, waitForJob(user.firestore, id)), (e: unknown) => {
      assert.ok(e instanceof JobFailedError);
      assert.equal(e.code, 'failed-precondition');
      assert.equal(e.job.error?.message, 'nope');
      return true;
    });
  });

  it('cancelJob stops a running job and waitForJob rejects with JobCancelledError', async () => {
    const { id } = await createJob(user.functions, 'sleep', { worktime: 120 });
    const waiting = untilDoneWatched(user.firestore, id, waitForJob(user.firestore, id));
    await new Promise<void>((resolve) => {
      const stop = watchJob(user.firestore, id, (job) => {
        if (job?.state === 'RUNNING') {
          stop();
          resolve();
        }
      });
    });
    const response = await cancelJob(user.functions, id);
    assert.equal(response.cancelRequested, true);
    await assert.rejects(waiting, (e: unknown) => e instanceof JobCancelledError && e.job.state === 'CANCELLED');
  });

  it('waitForJob rejects with JobWaitTimeoutError, and with the reason of an aborted signal', async () => {
    const { id } = await createJob(user.functions, 'sleep', { worktime: 60 });
    try {
      await assert.rejects(waitForJob(user.firestore, id, { timeoutMs: 200 }), (e: unknown) => {
        assert.ok(e instanceof JobWaitTimeoutError);
        assert.equal(e.timeoutMs, 200);
        return true;
      });
      const controller = new AbortController();
      const reason = new Error('the user left the page');
      const waiting = waitForJob(user.firestore, id, { signal: controller.signal });
      controller.abort(reason);
      await assert.rejects(waiting, (e: unknown) => e === reason);
      await assert.rejects(waitForJob(user.firestore, id, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
    } finally {
      await cancelJob(user.functions, id);
    }
  });

  it("refuses another user's job: waitForJob gets permission-denied, cancelJob not-found", async () => {
    const { id } = await createJob(user.functions, 'sleep', { worktime: 0 });
    await assert.rejects(waitForJob(other.firestore, id), (e: FirestoreError) => e.code === 'permission-denied');
    await assert.rejects(cancelJob(other.functions, id), (e: FunctionsError) => e.code === 'functions/not-found');
  });

  it("watchMyJobs follows the user's newest jobs live, and only theirs", async () => {
    await withSignedInUser(async (watcher) => {
      const snapshots: JobWithId[][] = [];
      let notify: () => void = () => undefined;
      const unsubscribe = watchMyJobs(
        watcher.firestore,
        watcher.uid ?? '',
        (jobs) => {
          snapshots.push(jobs);
          notify();
        },
        { limit: 2 },
      );
      const until = (predicate: (jobs: JobWithId[]) => boolean) =>
        new Promise<JobWithId[]>((resolve) => {
          const check = () => {
            const last = snapshots.at(-1);
            if (last && predicate(last)) resolve(last);
          };
          notify = check;
          check();
        });
      try {
        assert.deepEqual(await until(() => true), [], 'a new user has no jobs');
        const a = await createJob(watcher.functions, 'sleep', { worktime: 0 });
        const b = await createJob(watcher.functions, 'sleep', { worktime: 0 });
        const c = await createJob(watcher.functions, 'sleep', { worktime: 0 });
        const newest = await until((jobs) => jobs.length === 2 && jobs.every((j) => j.done));
        assert.deepEqual(
          newest.map((j) => j.id),
          [c.id, b.id],
          `newest first, limit 2 (a = ${a.id})`,
        );
        assert.ok(newest.every((j: Job) => j.owner === watcher.uid));
      } finally {
        unsubscribe();
      }
    });
  });

  it("bundles no copy of the Firebase SDK: its build imports the app's own", () => {
    const bundle = readFileSync(join(__dirname, '..', '..', 'client', 'dist', 'index.js'), 'utf8');
    assert.match(bundle, /from "firebase\/firestore"/);
    assert.match(bundle, /from "firebase\/functions"/);
    assert.doesNotMatch(bundle, /SDK_VERSION|registerVersion/, 'no Firebase SDK code inside');
    assert.ok(bundle.length < 20_000, `${bundle.length} bytes`);
  });

  it('works as its built ESM bundle in a plain Node process', () => {
    const hosts = emulatorHosts();
    const program = `
      import { initializeApp } from 'firebase/app';
      import { connectAuthEmulator, getAuth, signInAnonymously } from 'firebase/auth';
      import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
      import { connectFunctionsEmulator, getFunctions } from 'firebase/functions';
      import { createJob, waitForJob } from '@async-jobs/client';
      const app = initializeApp({ projectId: '${hosts.projectId}', apiKey: 'demo-api-key' });
      connectAuthEmulator(getAuth(app), 'http://${hosts.auth.host}:${hosts.auth.port}', { disableWarnings: true });
      const firestore = getFirestore(app);
      connectFirestoreEmulator(firestore, '${hosts.firestore.host}', ${hosts.firestore.port});
      const functions = getFunctions(app, 'us-central1');
      connectFunctionsEmulator(functions, '${hosts.functions.host}', ${hosts.functions.port});
      await signInAnonymously(getAuth(app));
      const { id } = await createJob(functions, 'sleep', { worktime: 0 });
      const job = await waitForJob(firestore, id, { timeoutMs: 30000 });
      console.log(JSON.stringify({ state: job.state, result: job.result }));
      process.exit(0);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? ''), {
      state: 'COMPLETED',
      result: 'OK completed',
    });
  });
});
