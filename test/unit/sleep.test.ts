/**
 * The seed's `sleep` task. Its limit is tied to the worker's timeout: a sleep that could outlast the worker
 * would be killed mid-run and leave its job RUNNING, so the margin is checked here, not just stated.
 */
import assert from 'node:assert/strict';
import { config } from '../../functions/src/config';
import { MAX_WORKTIME_SECONDS, SLEEP_RESULT, sleepInput, sleepTask } from '../../functions/src/tasks/sleep';

/** What the worker needs after the handler: the claim before it and the terminal write after it. */
const MARGIN_SECONDS = 60;

describe('sleepTask', () => {
  it('is registered under the type "sleep"', () => {
    assert.equal(sleepTask.type, 'sleep');
  });

  it("resolves the seed's 'OK completed' for worktime 0", async () => {
    const result = await sleepTask.run({ worktime: 0 }, { jobId: 'job-1', attempt: 1 });
    assert.equal(result, 'OK completed');
    assert.equal(result, SLEEP_RESULT);
  });

  it(`keeps MAX_WORKTIME_SECONDS (${MAX_WORKTIME_SECONDS}) at least ${MARGIN_SECONDS} s under 540 s`, () => {
    // 540 s is the longest an event-triggered (2nd gen) function may run.
    assert.ok(540 - MAX_WORKTIME_SECONDS >= MARGIN_SECONDS, `${MAX_WORKTIME_SECONDS} leaves too little margin`);
  });

  it(`keeps MAX_WORKTIME_SECONDS at least ${MARGIN_SECONDS} s under the configured worker timeout`, () => {
    assert.ok(config.workerTimeoutSeconds <= 540, 'the platform allows no more than 540 s');
    assert.ok(config.workerTimeoutSeconds - MAX_WORKTIME_SECONDS >= MARGIN_SECONDS);
  });

  describe('sleepInput', () => {
    it('accepts the seed input {"worktime":40} and the bounds 0 and MAX_WORKTIME_SECONDS', () => {
      for (const worktime of [40, 0, MAX_WORKTIME_SECONDS]) {
        assert.deepEqual(sleepInput.parse({ worktime }), { worktime });
      }
    });

    it('refuses values outside the bounds and non-finite numbers', () => {
      for (const worktime of [-1, MAX_WORKTIME_SECONDS + 1, Number.POSITIVE_INFINITY, Number.NaN]) {
        assert.equal(sleepInput.safeParse({ worktime }).success, false, String(worktime));
      }
    });
  });
});
