/**
 * Bad input through the real callable: each request gets the right code and a message naming the problem,
 * and writes no job document.
 */
import assert from 'node:assert/strict';
import { adminFirestore, countJobsOwnedBy } from '../helpers/admin';
import { BAD_REQUESTS } from '../helpers/bad-requests';
import { anonymousClient, refusal, userForSuite, type TestUser } from '../helpers/client';

const callError = (user: TestUser, data: unknown) =>
  refusal(() => user.createJob(data), `createJob(${JSON.stringify(data)?.slice(0, 80)})`);

describe('createJob bad input (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  for (const row of BAD_REQUESTS) {
    it(`refuses ${row.name} with invalid-argument`, async () => {
      const error = await callError(user, row.data);
      assert.equal(error.code, 'functions/invalid-argument');
      assert.match(error.message, row.message);
      assert.deepEqual(error.details, { field: row.field });
    });
  }

  it('wrote no job document for any refused request', async () => {
    assert.equal(await countJobsOwnedBy(user.uid ?? ''), 0);
  });

  it('refuses a caller who is not signed in with unauthenticated, before looking at the input', async () => {
    const stranger = anonymousClient();
    const jobsBefore = (await adminFirestore().collection('jobs').count().get()).data().count;
    try {
      const error = await callError(stranger, { type: 'sleep', input: { worktime: 1 } });
      assert.equal(error.code, 'functions/unauthenticated');
      assert.match(error.message, /signed-in user/);
      const invalidToo = await callError(stranger, null);
      assert.equal(invalidToo.code, 'functions/unauthenticated');
      const jobsAfter = (await adminFirestore().collection('jobs').count().get()).data().count;
      assert.equal(jobsAfter, jobsBefore, 'no job document was written');
    } finally {
      await stranger.close();
    }
  });
});
