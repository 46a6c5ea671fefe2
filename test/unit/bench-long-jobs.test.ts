/**
 * The bench's long-jobs part (bench/long-jobs.ts): what a step and a one-hour sleep cost, measured with the real
 * worker on the in-memory store in simulated time. Its claims are checked here so the table cannot drift from them.
 */
import assert from 'node:assert/strict';
import { longJobCosts } from '../../bench/long-jobs';

describe('bench: long-job costs (simulated time)', () => {
  it('charges a step its commit, and a one-hour sleep one timer, one wake-up and no invocation while asleep', async () => {
    const rows = new Map((await longJobCosts()).map((row) => [row.task, row]));
    const none = rows.get('none');
    const step = rows.get('step');
    const tenSteps = rows.get('tenSteps');
    const sleep = rows.get('sleepHour');
    assert.ok(none && step && tenSteps && sleep);
    assert.equal(step.reads - none.reads, 0, 'a first attempt reads no step');
    assert.equal(step.writes - none.writes, 3, 'its result and the job’s steps, and currentStep for a step of 1 s');
    assert.equal(tenSteps.writes - none.writes, 20, 'two writes for each short step');
    assert.equal(tenSteps.invocations, 1, 'ten short steps fit one invocation');
    assert.equal(sleep.invocations, 2, 'one invocation before the sleep, one after');
    assert.equal(sleep.timers, 1);
    assert.equal(sleep.wakeUps, 1);
    assert.equal(sleep.invocationsWhileAsleep, 0);
    assert.ok(sleep.reads - none.reads <= 12 && sleep.writes - none.writes <= 10, JSON.stringify(sleep));
  });
});
