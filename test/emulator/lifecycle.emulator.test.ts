/**
 * Progress, time limits, idempotent create, listing, quotas and retention, through the real SDKs.
 *
 * Progress is written at most every two seconds (it was every second): the bound on a chatty handler's writes is
 * read against that interval.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collection,
  getDocs,
  limit,
  orderBy,
  query,
  startAfter,
  where,
  type QueryDocumentSnapshot,
} from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { MAX_WORKTIME_SECONDS } from '../../functions/src/tasks/sleep';
import { countJobsOwnedBy } from '../helpers/admin';
import { refusal, signedInUser, withSignedInUser, type TestUser } from '../helpers/client';
import { functionParam } from '../helpers/function-params';
import { watchUntil, watchUntilDone } from '../helpers/watch-job';

const createError = (user: TestUser, data: unknown) => refusal(() => user.createJob(data), 'createJob');

describe('job lifecycle (emulator)', () => {
  let user: TestUser;

  beforeEach(async () => {
    user = await signedInUser();
  });

  afterEach(async () => {
    await user.close();
  });

  describe('progress', () => {
    it('shows a sleep job’s progress to a listener, ending at 100 %', async () => {
      const created = await user.createJob({ type: 'sleep', input: { worktime: 3 } });
      const { snapshots, final } = await watchUntilDone(user.firestore, created.id);
      const percents = snapshots.flatMap((s) => (s.progress ? [s.progress.percent] : []));
      assert.ok(percents.length >= 2, `progress seen: ${percents.join(', ')}`);
      assert.deepEqual(
        [...percents].sort((a, b) => a - b),
        percents,
        'progress only grows',
      );
      assert.deepEqual(final.progress, { percent: 100, message: 'slept 3 s of 3 s' });
    });

    it('bounds the writes of a chatty handler and still writes its last report', async () => {
      const created = await user.createJob({ type: 'test.chatty', input: { reports: 2000, seconds: 2 } });
      const { snapshots, final } = await watchUntilDone(user.firestore, created.id);
      const progressChanges = snapshots.filter(
        (s, i) => i > 0 && JSON.stringify(s.progress) !== JSON.stringify(snapshots[i - 1]?.progress),
      ).length;
      // 2000 reports over 2 s at one write every two seconds counted from the claim (WorkerTimings.progressIntervalMs):
      // one 2 s in, and the last at the end, and a listener sees at most those (and the claim and the end).
      assert.ok(progressChanges <= 4, `the listener saw ${progressChanges} progress changes`);
      assert.deepEqual(final.progress, { percent: 100, message: 'report 2000' });
      assert.equal(final.result, 2000);
    });
  });

  describe('time limit', () => {
    it('aborts a handler that overruns its time limit: FAILED with deadline-exceeded', async () => {
      const created = await user.createJob({ type: 'test.hang', input: { seconds: 60 } });
      const { final } = await watchUntilDone(user.firestore, created.id);
      assert.equal(final.state, 'FAILED');
      assert.equal(final.attempts, 1, 'a time limit is not retried');
      assert.equal(final.error?.code, 'deadline-exceeded');
      assert.match(final.error?.message ?? '', /ran past its 1 s time limit/);
    });
  });

  describe('idempotent create (AIP-155)', () => {
    it('returns the same job for the same requestId, even for concurrent calls', async () => {
      const request = { type: 'sleep', input: { worktime: 0 }, requestId: crypto.randomUUID() };
      const responses = await Promise.all([1, 2, 3].map(() => user.createJob(request)));
      const ids = new Set(responses.map((r) => r.id));
      assert.equal(ids.size, 1, 'one job id');
      const again = await user.createJob({ ...request, input: { worktime: 0 } });
      assert.equal(again.id, responses[0]?.id);
      assert.equal(await countJobsOwnedBy(user.uid ?? ''), 1);
      const { final } = await watchUntilDone(user.firestore, again.id);
      assert.equal(final.attempts, 1, 'it ran once');
      assert.equal(final.requestId, request.requestId);
    });

    it('refuses the same requestId with a different request with already-exists', async () => {
      const requestId = crypto.randomUUID();
      await user.createJob({ type: 'sleep', input: { worktime: 0 }, requestId });
      const error = await createError(user, { type: 'sleep', input: { worktime: 1 }, requestId });
      assert.equal(error.code, 'functions/already-exists');
      assert.match(error.message, /already used for a different request/);
      assert.equal(await countJobsOwnedBy(user.uid ?? ''), 1);
    });

    it('keeps requestIds per user: another user with the same requestId gets their own job', async () => {
      const requestId = crypto.randomUUID();
      await withSignedInUser(async (other) => {
        const mine = await user.createJob({ type: 'sleep', input: { worktime: 0 }, requestId });
        const theirs = await other.createJob({ type: 'sleep', input: { worktime: 0 }, requestId });
        assert.notEqual(mine.id, theirs.id);
      });
    });
  });

  describe('listing', () => {
    it('pages through the owner’s jobs newest first with a query the rules allow', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push((await user.createJob({ type: 'sleep', input: { worktime: 0 } })).id);
      const jobs = collection(user.firestore, 'jobs');
      const seen: string[] = [];
      let cursor: QueryDocumentSnapshot | undefined;
      const pageSizes: number[] = [];
      for (;;) {
        const page = query(
          jobs,
          where('owner', '==', user.uid),
          orderBy('createTime', 'desc'),
          ...(cursor ? [startAfter(cursor)] : []),
          limit(2),
        );
        const snap = await getDocs(page);
        if (snap.empty) break;
        pageSizes.push(snap.size);
        seen.push(...snap.docs.map((d) => d.id));
        cursor = snap.docs.at(-1);
      }
      assert.deepEqual(pageSizes, [2, 2, 1]);
      assert.deepEqual(seen, [...ids].reverse(), 'newest first');
    });
  });

  describe('quota', () => {
    it('refuses one job past MAX_ACTIVE_JOBS_PER_USER with resource-exhausted, and accepts one after a cancel', async function () {
      this.timeout(180_000);
      const limit = functionParam('MAX_ACTIVE_JOBS_PER_USER');
      const cancel = httpsCallable(user.functions, 'cancelJob');
      const accepted: string[] = [];
      try {
        // Twenty calls at a time: the limit is high (jobs past the workers' capacity wait), so there are many to make.
        // Each job sleeps the longest a sleep may, so none of the first to start ends while a loaded emulator is still
        // making the rest: a job that ended would free a place and let the call past the limit through.
        while (accepted.length < limit) {
          const batch = Math.min(20, limit - accepted.length);
          const made = await Promise.all(
            Array.from({ length: batch }, () =>
              user.createJob({ type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS } }),
            ),
          );
          accepted.push(...made.map((job) => job.id));
        }
        const refused = await createError(user, { type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS } });
        assert.equal(refused.code, 'functions/resource-exhausted');
        assert.match(refused.message, new RegExp(`you have ${limit} jobs not done; the limit is ${limit}`));
        assert.equal(await countJobsOwnedBy(user.uid ?? ''), limit, 'the refused request wrote nothing');
        await cancel({ id: accepted[0] });
        await watchUntil(user.firestore, accepted[0] ?? '', (job) => job.done);
        accepted.push((await user.createJob({ type: 'sleep', input: { worktime: 0 } })).id);
      } finally {
        // Ten at a time, so the cleanup does not start a hundred callable processes in the emulator at once.
        for (let n = 0; n < accepted.length; n += 10) {
          await Promise.allSettled(accepted.slice(n, n + 10).map((id) => cancel({ id })));
        }
      }
    });
  });

  describe('retention', () => {
    it('gives a done job an expireTime 30 days after it ended, the field the TTL policy names', async () => {
      const created = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      const { final } = await watchUntilDone(user.firestore, created.id);
      assert.ok(final.expireTime && final.doneTime);
      const days = (final.expireTime.toMillis() - final.doneTime.toMillis()) / 86_400_000;
      assert.ok(Math.abs(days - 30) < 0.01, `expireTime is ${days} days after doneTime`);
      const indexes = JSON.parse(
        readFileSync(join(__dirname, '..', '..', 'library', 'firestore', 'firestore.indexes.json'), 'utf8'),
      ) as {
        fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean }[];
      };
      assert.ok(
        indexes.fieldOverrides.some((o) => o.collectionGroup === 'jobs' && o.fieldPath === 'expireTime' && o.ttl),
        "the library's firestore.indexes.json declares the TTL override on jobs.expireTime",
      );
      assert.ok(
        indexes.fieldOverrides.some((o) => o.collectionGroup === 'steps' && o.fieldPath === 'expireTime' && o.ttl),
        'and on steps.expireTime: TTL does not delete a job’s steps with it',
      );
    });
  });
});
