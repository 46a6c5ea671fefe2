/**
 * The testing kit's TestEnvironment (`@async-jobs/functions/testing`), as an app uses it: its own tasks, through the
 * real protocol, in simulated time, with no emulator. Imported from the package's name, as an app imports it.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask, TaskError } from '@async-jobs/functions';
import { TestEnvironment } from '@async-jobs/functions/testing';

const HOUR = 60 * 60 * 1000;

/** How many times each step's body ran, by job and step. */
const bodies = new Map<string, number>();
const ran = (key: string) => bodies.set(key, (bodies.get(key) ?? 0) + 1);

const countWords = defineTask({
  type: 'countWords',
  input: z.strictObject({ text: z.string().max(1000) }),
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run({ text }) {
    return { words: text.split(/\s+/).filter(Boolean).length };
  },
});

/** Two steps around a sleep of an hour; on its first attempt its worker hangs in the second step until killed. */
const digest = defineTask({
  type: 'digest',
  input: z.strictObject({ hangFirstAttempt: z.boolean() }),
  totalTimeoutSeconds: 24 * 60 * 60,
  async run({ hangFirstAttempt }, { step, sleep, jobId, attempt }) {
    const first = await step('collect', () => {
      ran(`${jobId}/collect`);
      return Promise.resolve(attempt);
    });
    await sleep('wait-an-hour', HOUR);
    const second = await step('send', async () => {
      ran(`${jobId}/send`);
      if (hangFirstAttempt && attempt === 1) await new Promise(() => undefined);
      return attempt;
    });
    return { first, second };
  },
});

const approval = defineTask({
  type: 'approval',
  input: z.strictObject({}),
  signals: { approve: z.strictObject({ ok: z.boolean() }) },
  async run(_input, { waitForSignal }) {
    const answer = await waitForSignal<{ ok: boolean }>('approve', { timeoutSeconds: 3600 });
    if (!answer.received) throw new TaskError('deadline-exceeded', 'nobody answered');
    return answer.payload.ok;
  },
});

describe('testing kit: TestEnvironment', () => {
  const tasks = [countWords, digest, approval];
  // Every environment has the same seed, and so makes the same job ids.
  beforeEach(() => bodies.clear());

  it('runs a job of the app’s own task to its result', async () => {
    const env = new TestEnvironment({ tasks });
    const { id, state } = await env.createJob('user-1', { type: 'countWords', input: { text: 'a b  c' } });
    assert.equal(state, 'CREATED');
    await env.runUntilIdle();
    assert.equal(env.job(id)?.state, 'COMPLETED');
    assert.deepEqual(env.job(id)?.result, { words: 3 });
  });

  it('refuses bad input as the callable does, with its code and field, and makes nothing', async () => {
    const env = new TestEnvironment({ tasks });
    await assert.rejects(env.createJob('user-1', { type: 'countWords', input: { text: 7 } }), {
      code: 'invalid-argument',
      field: 'input.text',
    });
    assert.equal(env.store.peekCollection('jobs').length, 0);
  });

  it('sleeps an hour in no time, holding no worker, and goes on after it', async () => {
    const env = new TestEnvironment({ tasks });
    const { id } = await env.createJob('user-1', { type: 'digest', input: { hangFirstAttempt: false } });
    await env.advance(1_000);
    assert.equal(env.job(id)?.waitReason, 'sleep');
    assert.equal(env.job(id)?.slot, null);
    await env.advance(HOUR);
    assert.equal(env.job(id)?.state, 'COMPLETED');
    assert.deepEqual(env.job(id)?.result, { first: 1, second: 1 });
    assert.equal(env.stepResult(id, 'collect'), 1);
  });

  it('takes a crashed worker’s job back after its lease, and resumes it at the step it was in', async () => {
    const env = new TestEnvironment({ tasks });
    const { id } = await env.createJob('user-1', { type: 'digest', input: { hangFirstAttempt: true } });
    await env.advance(HOUR + 1_000);
    assert.equal(env.job(id)?.currentStep, 'send');
    assert.equal(env.crashWorker(id), true);
    await env.advance(60_000);
    const swept = await env.sweep();
    assert.deepEqual(swept.retry, [id]);
    await env.runUntilIdle();
    assert.equal(env.job(id)?.state, 'COMPLETED');
    assert.deepEqual(env.job(id)?.result, { first: 1, second: 2 });
    assert.equal(bodies.get(`${id}/collect`), 1, 'the step done is not run again');
    assert.equal(bodies.get(`${id}/send`), 2, 'the step it was in runs again');
  });

  it('cancels a sleeping job at once, and delivers a signal from its owner or the app’s server', async () => {
    const env = new TestEnvironment({ tasks });
    const { id: sleeping } = await env.createJob('user-1', { type: 'digest', input: { hangFirstAttempt: false } });
    const { id: waiting } = await env.createJob('user-1', { type: 'approval', input: {} });
    const { id: other } = await env.createJob('user-2', { type: 'approval', input: {} });
    await env.advance(1_000);
    assert.equal((await env.cancelJob('user-1', sleeping)).state, 'CANCELLED');
    await assert.rejects(env.signalJob('user-2', { id: waiting, name: 'approve', payload: { ok: true } }), {
      code: 'not-found',
    });
    await env.signalJob('user-1', { id: waiting, name: 'approve', payload: { ok: true } });
    await env.signalJobFromServer({ id: other, name: 'approve', payload: { ok: false } });
    await env.runUntilIdle();
    assert.deepEqual(
      [env.job(sleeping)?.state, env.job(waiting)?.result, env.job(other)?.result],
      ['CANCELLED', true, false],
    );
  });
});
