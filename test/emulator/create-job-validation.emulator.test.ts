/**
 * Bad input through the real callable: each request gets the right code and a message naming the problem,
 * and writes no job document.
 */
import assert from 'node:assert/strict';
import type { FunctionsError } from 'firebase/functions';
import { MAX_WORKTIME_SECONDS } from '../../functions/src/tasks/sleep';
import { DEFAULT_MAX_INPUT_BYTES } from '../../functions/src/job/create-request';
import { adminFirestore, countJobsOwnedBy } from '../helpers/admin';
import { anonymousClient, signedInUser, type TestUser } from '../helpers/client';

async function callError(user: TestUser, data: unknown): Promise<FunctionsError> {
  try {
    await user.createJob(data);
  } catch (e) {
    return e as FunctionsError;
  }
  assert.fail(`createJob(${JSON.stringify(data)?.slice(0, 80)}) succeeded; it should have been refused`);
}

const BAD_REQUESTS: { name: string; data: unknown; message: RegExp; field: string }[] = [
  { name: 'null', data: null, message: /request must be an object.*not null/, field: '' },
  { name: 'an array', data: [{ type: 'sleep' }], message: /request must be an object.*not an array/, field: '' },
  { name: 'a string', data: 'sleep', message: /request must be an object.*not a string/, field: '' },
  { name: 'missing type', data: { input: { worktime: 1 } }, message: /type is required/, field: 'type' },
  {
    name: 'non-string type',
    data: { type: 7, input: {} },
    message: /type must be a string, not a number/,
    field: 'type',
  },
  {
    name: 'unknown type',
    data: { type: 'mine-bitcoin', input: {} },
    message: /"mine-bitcoin" is not a known task type.*sleep/,
    field: 'type',
  },
  { name: 'missing input', data: { type: 'sleep' }, message: /input is required/, field: 'input' },
  {
    name: 'non-object input',
    data: { type: 'sleep', input: 40 },
    message: /input must be an object, not a number/,
    field: 'input',
  },
  {
    name: 'array input',
    data: { type: 'sleep', input: [40] },
    message: /input must be an object, not an array/,
    field: 'input',
  },
  {
    name: 'wrong field type',
    data: { type: 'sleep', input: { worktime: '40' } },
    message: /input\.worktime/,
    field: 'input.worktime',
  },
  { name: 'missing field', data: { type: 'sleep', input: {} }, message: /input\.worktime/, field: 'input.worktime' },
  {
    name: 'negative worktime',
    data: { type: 'sleep', input: { worktime: -1 } },
    message: /input\.worktime.*0/,
    field: 'input.worktime',
  },
  {
    name: 'worktime over the maximum',
    data: { type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS + 1 } },
    message: new RegExp(`input\\.worktime.*${MAX_WORKTIME_SECONDS}`),
    field: 'input.worktime',
  },
  {
    name: 'an input over the size limit',
    data: { type: 'sleep', input: { worktime: 1, padding: 'x'.repeat(DEFAULT_MAX_INPUT_BYTES) } },
    message: new RegExp(`input is \\d+ bytes of JSON; the limit is ${DEFAULT_MAX_INPUT_BYTES}`),
    field: 'input',
  },
  {
    name: 'an unknown input field',
    data: { type: 'sleep', input: { worktime: 1, extra: true } },
    message: /input.*extra/,
    field: 'input',
  },
  {
    name: 'a requestId that is not a UUID',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: 'abc' },
    message: /requestId must be a UUID/,
    field: 'requestId',
  },
];

describe('createJob bad input (emulator)', () => {
  let user: TestUser;

  before(async () => {
    user = await signedInUser();
  });

  after(async () => {
    await user.close();
  });

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
