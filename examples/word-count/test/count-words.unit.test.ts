/**
 * The app's own task, tested with no emulator: @async-jobs/functions/testing's TestEnvironment runs countWords
 * through the real job protocol on an in-memory store, in simulated time (`npm run test:unit`).
 */
import assert from 'node:assert/strict';
import { TestEnvironment } from '@async-jobs/functions/testing';
import { countWords } from '../functions/src/count-words.js';

describe('countWords, in the testing kit (no emulator)', () => {
  it('counts the words and finds the longest, with its progress at 100 %', async () => {
    const env = new TestEnvironment({ tasks: [countWords] });
    const { id } = await env.createJob('user-1', { type: 'countWords', input: { text: 'to be or not to be' } });
    await env.runUntilIdle();
    const job = env.job(id);
    assert.equal(job?.state, 'COMPLETED');
    assert.deepEqual(job?.result, { words: 6, longest: 'not' });
    assert.equal(job?.progress?.percent, 100);
  });

  it('refuses an empty text as the callable would, naming the field, and makes no job', async () => {
    const env = new TestEnvironment({ tasks: [countWords] });
    await assert.rejects(env.createJob('user-1', { type: 'countWords', input: { text: '' } }), {
      code: 'invalid-argument',
      field: 'input.text',
    });
    assert.equal(env.store.peekCollection('jobs').length, 0);
  });

  it('keeps each user to their limit of jobs not done', async () => {
    const env = new TestEnvironment({ tasks: [countWords], maxActiveJobsPerUser: 1 });
    await env.createJob('user-1', { type: 'countWords', input: { text: 'one' } });
    await assert.rejects(env.createJob('user-1', { type: 'countWords', input: { text: 'two' } }), {
      code: 'resource-exhausted',
    });
    await env.createJob('user-2', { type: 'countWords', input: { text: 'another user' } });
    await env.runUntilIdle();
    await env.createJob('user-1', { type: 'countWords', input: { text: 'after the first ended' } });
  });
});
