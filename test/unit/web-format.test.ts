/** The web app's pure formatting: what a person reads for errors, durations and outcomes. */
import assert from 'node:assert/strict';
import type { Job } from '../../client/src/types';
import { describeCallError, elapsedMs, formatDuration, outcomeText, stepsText, waitText } from '../../web/src/format';

const at = (ms: number) => ({ toMillis: () => ms }) as Job['createTime'];

/** A sleep job with `fields` over its defaults. */
function job(fields: Partial<Job<'sleep'>>): Job<'sleep'> {
  return {
    owner: 'u',
    type: 'sleep',
    input: {},
    state: 'RUNNING',
    done: false,
    attempts: 1,
    createTime: at(1_000),
    updateTime: at(1_000),
    startTime: null,
    doneTime: null,
    ...fields,
  };
}

describe('web format', () => {
  it('puts each callable error code in words, keeping the server’s message', () => {
    assert.equal(
      describeCallError({ code: 'functions/invalid-argument', message: 'input.worktime: Too small' }),
      'That input is not valid: input.worktime: Too small',
    );
    assert.match(
      describeCallError({ code: 'functions/resource-exhausted', message: 'limit is 10' }),
      /too many jobs.*limit is 10/,
    );
    assert.match(describeCallError({ code: 'functions/unauthenticated' }), /not signed in/);
    assert.match(describeCallError({ code: 'functions/unavailable' }), /try again/);
    assert.match(describeCallError(new Error('boom')), /Something went wrong: boom/);
    assert.match(describeCallError(undefined), /Something went wrong/);
  });

  it('shows the step a job is in and how many are done, and nothing for a job without steps', () => {
    assert.equal(stepsText(job({})), '');
    assert.equal(stepsText(job({ currentStep: 'fetch' })), 'in step fetch · 0 steps done');
    assert.equal(stepsText(job({ steps: ['fetch'], currentStep: 'store' })), 'in step store · 1 step done');
    assert.equal(stepsText(job({ steps: ['fetch', 'store'], currentStep: null })), '2 steps done');
    assert.equal(
      stepsText(job({ steps: ['fetch'], currentStep: 'store', done: true, state: 'FAILED' })),
      '1 step done',
      'a done job is in no step',
    );
  });

  it('says what a job no worker holds waits for, counting down to its due time', () => {
    const now = 100_000;
    assert.equal(waitText(job({}), now), '', 'a running job waits for nothing');
    assert.equal(
      waitText(job({ waitReason: 'sleep', currentStep: 'pause', dispatchTime: at(now + 65_000) }), now),
      'asleep in pause, wakes in 1 min 05 s',
    );
    assert.equal(
      waitText(job({ waitReason: 'signal', currentStep: 'approval', dispatchTime: at(now + 4_000) }), now),
      'waiting for approval (for up to 4.0 s more)',
    );
    assert.equal(waitText(job({ waitReason: 'continue' }), now), 'going on in a new invocation');
    assert.equal(
      waitText(job({ state: 'CREATED', waitReason: 'retry-backoff', dispatchTime: at(now + 2_000) }), now),
      'retrying in 2.0 s',
    );
    assert.equal(
      waitText(job({ state: 'CREATED', waitReason: 'scheduled', dispatchTime: at(now + 90_000) }), now),
      'starts in 1 min 30 s',
    );
    assert.equal(waitText(job({ waitReason: 'capacity', waiting: true }), now), 'waiting for a worker to go on');
    assert.equal(waitText(job({ state: 'CREATED', waitReason: 'capacity' }), now), 'waiting for a worker');
    assert.equal(waitText(job({ waitReason: 'sleep', done: true, state: 'CANCELLED' }), now), '');
  });

  it('formats durations in seconds, then minutes', () => {
    assert.equal(formatDuration(0), '0.0 s');
    assert.equal(formatDuration(4_250), '4.3 s');
    assert.equal(formatDuration(65_000), '1 min 05 s');
    assert.equal(formatDuration(-5), '0.0 s');
  });

  it('measures elapsed time from start (or creation while queued) to the end or now', () => {
    assert.equal(elapsedMs(job({ state: 'CREATED', attempts: 0 }), 3_000), 2_000);
    assert.equal(elapsedMs(job({ startTime: at(1_500) }), 3_000), 1_500);
    assert.equal(
      elapsedMs(job({ startTime: at(1_500), done: true, state: 'COMPLETED', doneTime: at(2_000) }), 9_000),
      500,
    );
  });

  it('shows the result, the error, or that a retry is pending', () => {
    assert.equal(outcomeText(job({ state: 'COMPLETED', done: true, result: 'OK completed' })), 'OK completed');
    assert.equal(
      outcomeText({ ...job({ state: 'COMPLETED', done: true }), type: 'primes', result: { below: 10, count: 4 } }),
      '{"below":10,"count":4}',
    );
    assert.equal(
      outcomeText(job({ state: 'FAILED', done: true, error: { code: 'internal', message: 'boom' } })),
      'internal: boom',
    );
    assert.equal(
      outcomeText(job({ state: 'CREATED', error: { code: 'unavailable', message: 'try again' } })),
      'unavailable: try again (retrying)',
    );
    assert.equal(outcomeText(job({})), '');
  });
});
