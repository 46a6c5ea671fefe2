/**
 * The `createJobs` callable (a batch of up to 500 jobs, admitted at once) through the real SDKs on the emulator
 * suite: each job of a batch runs to its end like a single create's, a bad item is refused naming its field and
 * nothing of the batch is written, and a caller who is not signed in is refused first.
 */
import assert from 'node:assert/strict';
import { httpsCallable } from 'firebase/functions';
import type { CreateJobsResponse } from '@async-jobs/contract';
import { adminFirestore, countJobsOwnedBy, untilAllDone } from '../helpers/admin';
import { anonymousClient, refusal, userForSuite, withSignedInUser, type TestUser } from '../helpers/client';

function createJobs(user: TestUser, data: unknown): Promise<CreateJobsResponse> {
  return httpsCallable<unknown, CreateJobsResponse>(user.functions, 'createJobs')(data).then((r) => r.data);
}

const batchError = (user: TestUser, data: unknown) => refusal(() => createJobs(user, data), 'createJobs');

describe('createJobs (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  it('creates a batch of jobs of two pools, in the order asked, and each runs to COMPLETED', async () => {
    const jobs = [
      { type: 'sleep', input: { worktime: 0 } },
      { type: 'primes', input: { below: 100 } },
      { type: 'sleep', input: { worktime: 1 } },
      { type: 'test.flaky', input: { succeedOnAttempt: 2 } },
    ];
    const created = await createJobs(user, { jobs });
    assert.deepEqual(
      created.jobs.map(({ type, state }) => ({ type, state })),
      jobs.map(({ type }) => ({ type, state: 'CREATED' })),
    );
    assert.equal(new Set(created.jobs.map((job) => job.id)).size, jobs.length, 'a job of its own for each');
    // Read from the server: the test is about what the batch's jobs become, not about four listeners at once (the
    // emulator now and then drops a change to one of several targets of a client's Listen stream).
    const finals = await untilAllDone(created.jobs.map(({ id }) => id));
    assert.deepEqual(
      finals.map((final) => ({ state: final.state, owner: final.owner, type: final.type, input: final.input })),
      jobs.map(({ type, input }) => ({ state: 'COMPLETED', owner: user.uid, type, input })),
    );
    assert.deepEqual(finals[1]?.result, { below: 100, count: 25 });
    assert.equal(finals[1]?.pool, 'compute', 'each job in its own task’s pool');
    assert.equal(finals[3]?.attempts, 2, 'retried as a single create’s job is');
  });

  it('answers a repeat of a batch with its requestId with the jobs the first call made', async () => {
    const countBefore = await countJobsOwnedBy(user.uid ?? '');
    const request = {
      jobs: [
        { type: 'sleep', input: { worktime: 0 } },
        { type: 'sleep', input: { worktime: 0 } },
      ],
      requestId: crypto.randomUUID(),
    };
    // Two calls at once, and one more after: each answers the same jobs (their states are as each call read them).
    const idsOf = (response: CreateJobsResponse) => response.jobs.map(({ id, type }) => ({ id, type }));
    const [first, again] = await Promise.all([createJobs(user, request), createJobs(user, request)]);
    assert.deepEqual(idsOf(again), idsOf(first));
    assert.deepEqual(idsOf(await createJobs(user, request)), idsOf(first));
    assert.equal(await countJobsOwnedBy(user.uid ?? ''), countBefore + 2, 'two jobs made, once');
    const docs = await adminFirestore().getAll(...first.jobs.map(({ id }) => adminFirestore().doc(`jobs/${id}`)));
    assert.deepEqual(
      docs.map((doc) => doc.get('requestId') as unknown),
      [`${request.requestId}/0`, `${request.requestId}/1`],
    );
  });

  it('refuses a bad item with invalid-argument naming jobs.N.input.x, and writes none of the batch', async () => {
    await withSignedInUser(async (fresh) => {
      const error = await batchError(fresh, {
        jobs: [
          { type: 'sleep', input: { worktime: 1 } },
          { type: 'sleep', input: { worktime: 1 } },
          { type: 'sleep', input: { worktime: '1' } },
        ],
      });
      assert.equal(error.code, 'functions/invalid-argument');
      assert.match(error.message, /jobs\.2\.input\.worktime/);
      assert.deepEqual(error.details, { field: 'jobs.2.input.worktime' });
      for (const [data, field] of [
        [{ jobs: [] }, 'jobs'],
        [{ jobs: 'sleep' }, 'jobs'],
        [{ jobs: [{ type: 'mine-bitcoin', input: {} }] }, 'jobs.0.type'],
        [{ jobs: [{ type: 'sleep', input: { worktime: 0 } }, 42] }, 'jobs.1'],
        [{ jobs: [{ type: 'sleep', input: { worktime: 0 } }], requestId: 'not-a-uuid' }, 'requestId'],
      ] as const) {
        const refused = await batchError(fresh, data);
        assert.equal(refused.code, 'functions/invalid-argument', JSON.stringify(data));
        assert.deepEqual(refused.details, { field }, JSON.stringify(data));
      }
      assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, 'nothing was written');
    });
  });

  it('refuses a caller who is not signed in with unauthenticated, before looking at the batch', async () => {
    const stranger = anonymousClient();
    try {
      const error = await batchError(stranger, { jobs: [{ type: 'sleep', input: { worktime: 0 } }] });
      assert.equal(error.code, 'functions/unauthenticated');
      assert.match(error.message, /createJobs needs a signed-in user/);
      assert.equal((await batchError(stranger, null)).code, 'functions/unauthenticated');
    } finally {
      await stranger.close();
    }
  });
});
