/**
 * Bad input through the real callable: each request gets the right code and a message naming the problem,
 * and writes no job document.
 */
import assert from 'node:assert/strict';
import { adminFirestore, countJobsOwnedBy } from '../helpers/admin';
import { BAD_REQUESTS, type BadRequest } from '../helpers/bad-requests';
import { anonymousClient, idTokenOf, refusal, signedInUser, userForSuite, type TestUser } from '../helpers/client';
import { callCallableRaw, type CallableErrorBody } from '../helpers/http';

const callError = (user: TestUser, data: unknown) =>
  refusal(() => user.createJob(data), `createJob(${JSON.stringify(data)?.slice(0, 80)})`);

/** The refusal's code, message and details, through the SDK or, for a row it cannot send, as raw JSON. */
async function refusalOf(
  user: TestUser,
  row: BadRequest,
): Promise<{ code: string; message: string; details: unknown }> {
  if (row.json === undefined) {
    const error = await callError(user, row.data);
    return { code: error.code, message: error.message, details: error.details };
  }
  const answer = await callCallableRaw('createJob', await idTokenOf(user), row.json);
  const { error } = answer.body as CallableErrorBody;
  return {
    code: `functions/${error.status.toLowerCase().replace(/_/g, '-')}`,
    message: error.message,
    details: error.details,
  };
}

describe('createJob bad input (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  for (const row of BAD_REQUESTS) {
    it(`refuses ${row.name} with invalid-argument`, async () => {
      const error = await refusalOf(user, row);
      assert.equal(error.code, 'functions/invalid-argument');
      assert.match(error.message, row.message);
      assert.deepEqual(error.details, { field: row.field });
    });
  }

  it('writes no job document for any refused request (sent by a user with no jobs, counted after each)', async () => {
    // A user of its own, so the count is of these requests only, whichever tests ran before; each row is sent,
    // must be refused, and must leave the count at 0, so a row that writes before it refuses is named.
    const fresh = await signedInUser();
    try {
      assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, 'a new user owns no job');
      for (const row of BAD_REQUESTS) {
        assert.equal((await refusalOf(fresh, row)).code, 'functions/invalid-argument', row.name);
        assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, `${row.name} wrote a job`);
      }
      // The count sees this user's jobs: an accepted request from the same user is counted.
      await fresh.createJob({ type: 'sleep', input: { worktime: 0 } });
      assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 1, 'the accepted request is counted');
    } finally {
      await fresh.close();
    }
  });

  it('answers internal and writes nothing for nesting so deep that firebase-functions cannot decode it', async () => {
    // firebase-functions decodes `data` recursively before our handler runs (`decode` in its
    // common/providers/https), so this request overflows its stack, not ours: docs/configuration.md "Limits" shows it.
    const fresh = await signedInUser();
    try {
      const deep = `{"type":"sleep","input":{"worktime":1,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      const answer = await callCallableRaw('createJob', await idTokenOf(fresh), deep);
      assert.equal(answer.status, 500, answer.text);
      assert.equal((answer.body as CallableErrorBody).error.status, 'INTERNAL');
      assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0);
    } finally {
      await fresh.close();
    }
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
