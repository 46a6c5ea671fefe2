/**
 * The seed's `sleep` task. Its limits are tied to the worker's timeout: one worker invocation waits a retry's
 * backoff, runs the handler up to its time limit, gives a cancelled or timed-out handler its grace, and
 * writes; if that could outlast the worker, the job would be killed mid-run and left RUNNING until the sweep.
 * So the budget is checked here, not just stated.
 */
import assert from 'node:assert/strict';
import { config } from '../../library/src/config';
import { MAX_TASK_TIMEOUT_SECONDS } from '../../library/src/core/tasks/task';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { DEFAULT_RETRY_POLICY } from '../../library/src/core/retry-policy';
import {
  MAX_WORKTIME_SECONDS,
  SLEEP_RESULT,
  SLEEP_TIMEOUT_SECONDS,
  sleepInput,
  sleepTask,
} from '../../functions/src/tasks/sleep';
import { within } from './deadline';
import { taskContext } from './task-context';

describe('sleepTask', () => {
  it('is registered under the type "sleep"', () => {
    assert.equal(sleepTask.type, 'sleep');
  });

  describe('limits', () => {
    it('has MAX_WORKTIME_SECONDS 420 and a time limit (SLEEP_TIMEOUT_SECONDS) of 450', () => {
      assert.equal(MAX_WORKTIME_SECONDS, 420);
      assert.equal(SLEEP_TIMEOUT_SECONDS, 450);
      assert.equal(sleepTask.timeoutSeconds, SLEEP_TIMEOUT_SECONDS);
    });

    it('keeps MAX_WORKTIME_SECONDS under its time limit, so the longest sleep finishes before the deadline', () => {
      assert.ok(MAX_WORKTIME_SECONDS < SLEEP_TIMEOUT_SECONDS);
    });

    it('keeps its time limit within MAX_TASK_TIMEOUT_SECONDS', () => {
      assert.ok(SLEEP_TIMEOUT_SECONDS <= MAX_TASK_TIMEOUT_SECONDS);
    });

    it('fits the longest time limit, the longest backoff and the abort grace inside the worker timeout', () => {
      const budget =
        MAX_TASK_TIMEOUT_SECONDS +
        DEFAULT_RETRY_POLICY.maxBackoffMs / 1000 +
        DEFAULT_WORKER_TIMINGS.abortGraceMs / 1000;
      assert.ok(budget < config.workerTimeoutSeconds, `${budget} s does not fit in ${config.workerTimeoutSeconds} s`);
    });

    it('keeps the worker timeout within the 540 s an event-triggered (2nd gen) function may run', () => {
      assert.ok(config.workerTimeoutSeconds <= 540);
    });
  });

  describe('run', () => {
    it("resolves the seed's 'OK completed' at once for worktime 0, reporting nothing", async () => {
      const { context, reports } = taskContext();
      const result = await sleepTask.run({ worktime: 0 }, context);
      assert.equal(result, 'OK completed');
      assert.equal(result, SLEEP_RESULT);
      assert.deepEqual(reports, []);
    });

    it("resolves 'OK completed' after a short worktime (0.05 s), reporting progress 100", async () => {
      const { context, reports } = taskContext();
      const result = await within(sleepTask.run({ worktime: 0.05 }, context), 5_000, 'sleep 0.05 s');
      assert.equal(result, SLEEP_RESULT);
      assert.deepEqual(reports, [{ percent: 100, message: 'slept 0 s of 0.05 s' }]);
    });

    it('rejects with the reason of a signal aborted while it sleeps, promptly (not at the end of the step)', async () => {
      const controller = new AbortController();
      const reason = new Error('the job was cancelled by its owner');
      const { context, reports } = taskContext(controller.signal);
      const sleeping = sleepTask.run({ worktime: MAX_WORKTIME_SECONDS }, context);
      const abortedAt = Date.now();
      setImmediate(() => controller.abort(reason));
      await assert.rejects(within(sleeping, 900, 'the aborted sleep'), (e: unknown) => e === reason);
      assert.ok(Date.now() - abortedAt < 900, 'stopped well before its 1 s step ended');
      assert.deepEqual(reports, []);
    });

    it('rejects with the reason of a signal aborted before it starts', async () => {
      const reason = new Error('time limit');
      const { context } = taskContext(AbortSignal.abort(reason));
      await assert.rejects(
        within(sleepTask.run({ worktime: 10 }, context), 900, 'the aborted sleep'),
        (e: unknown) => e === reason,
      );
    });
  });

  describe('sleepInput', () => {
    it('accepts the seed input {"worktime":40} and the bounds 0 and MAX_WORKTIME_SECONDS', () => {
      for (const worktime of [40, 0, 0.05, MAX_WORKTIME_SECONDS]) {
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
