/**
 * Retries with backoff. The emulator never redelivers a failed Pub/Sub event (it acks a failed delivery even with
 * the worker's `retry: true`), so every retry seen here is the worker's own: it re-queues the job with a backoff,
 * and a backoff of a second or more is waited out on a timer (the wake function), holding no slot and no worker.
 */
import assert from 'node:assert/strict';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { DEFAULT_RETRY_POLICY } from '../../library/src/core/retry-policy';
import { SLOW_RETRY_BACKOFF_MS } from '../fixtures/tasks/test-tasks';
import { readJob } from '../helpers/admin';
import { FunctionLogs, type FunctionLogEntry } from '../helpers/function-logs';
import { userForSuite, type TestUser } from '../helpers/client';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { deliveredMessage } from '../helpers/messages';
import { createDispatchedJob } from '../helpers/queued-jobs';
import { watchUntilDone } from '../helpers/watch-job';

describe('retries (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  it('retries a handler that fails twice, then completes with attempts 3', async () => {
    const created = await user.createJob({ type: 'test.flaky', input: { succeedOnAttempt: 3 } });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.result, 'succeeded on attempt 3');
    assert.equal(final.attempts, 3);
    assert.equal(final.error, undefined, 'a completed job has a result and no error');
  });

  it(`fails a handler that always fails transiently after maxAttempts (${DEFAULT_RETRY_POLICY.maxAttempts})`, async () => {
    const created = await user.createJob({ type: 'test.fail', input: { message: 'still broken' } });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'FAILED');
    assert.equal(final.attempts, DEFAULT_RETRY_POLICY.maxAttempts);
    assert.equal(final.error?.code, 'internal');
    assert.match(final.error?.message ?? '', /^the task failed with an internal error \(logId \w{20}\)$/);
  });

  it('fails a permanent error at once, without a retry', async () => {
    const created = await user.createJob({
      type: 'test.fail',
      input: { message: 'bad input for this task', code: 'invalid-argument' },
    });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'FAILED');
    assert.equal(final.attempts, 1);
    assert.deepEqual(final.error, { code: 'invalid-argument', message: 'bad input for this task' });
  });

  it('waits out a 60 s backoff with its slot free and no worker invocation, and retries on time', async function () {
    this.timeout(SLOW_RETRY_BACKOFF_MS + 60_000);
    const logs = await FunctionLogs.open();
    try {
      const created = await user.createJob({ type: 'test.slowRetry', input: {} });
      const ofJob = (entry: FunctionLogEntry) => entry.jobId === created.id;
      const retrying = await logs.waitFor(
        'the retry queued',
        (entry) => ofJob(entry) && entry.message === 'job failed transiently; retry queued',
        { related: ofJob },
      );
      const loggedAt = Date.now();
      assert.equal(retrying.functionName, 'us-central1-runJob');
      assert.equal(retrying.entry.delayMs, SLOW_RETRY_BACKOFF_MS);

      const waiting = await readJob(created.id);
      assert.equal(waiting.state, 'CREATED');
      assert.equal(waiting.waitReason, 'retry-backoff');
      assert.equal(waiting.slot, null, 'its slot was given back');
      assert.equal(waiting.leaseExpireTime ?? null, null, 'no worker holds it');
      const dueAt = waiting.dispatchTime?.toMillis() ?? 0;
      assert.ok(dueAt - loggedAt > SLOW_RETRY_BACKOFF_MS - 10_000, 'the worker was done with it at once');

      const { final } = await watchUntilDone(user.firestore, created.id, SLOW_RETRY_BACKOFF_MS + 30_000);
      assert.equal(final.state, 'COMPLETED');
      assert.equal(final.result, 2);
      const lateness = (final.startTime?.toMillis() ?? Infinity) - dueAt;
      assert.ok(lateness >= 0 && lateness < 5_000, `attempt 2 started ${lateness} ms after its time`);
      // Between the retry's log and attempt 2, no worker logged anything of the job: none was running it.
      await logs.waitFor('attempt 2 completed', (entry) => ofJob(entry) && entry.message === 'job completed');
      const workerEntries = logs.matching(ofJob).filter(({ functionName }) => functionName === 'us-central1-runJob');
      const between = workerEntries.filter(({ entry }) => entry.message !== 'job failed transiently; retry queued');
      assert.deepEqual(
        between.map(({ entry }) => [entry.message, entry.attempt]),
        [
          ['job running', 1],
          ['job running', 2],
          ['job completed', 2],
        ],
      );
    } finally {
      logs.close();
    }
  });

  it('shows attempts and the last error on the document while the retry waits', async () => {
    // Driven in-process with a queue the test holds, so the test sees the document between two attempts.
    const queue = new CapturingQueue();
    const deps = inProcessDeps({ queue });
    const { id, sent } = await createDispatchedJob(deps.access, user.uid ?? '', {
      type: 'test.flaky',
      input: { succeedOnAttempt: 2 },
    });

    const before = Date.now();
    await handleTaskMessage(deliveredMessage(id, 'test.flaky', 'm1', sent), deps);
    const waiting = await readJob(id);
    assert.equal(waiting.state, 'CREATED', 'queued again for the retry');
    assert.equal(waiting.waitReason, 'retry-backoff');
    assert.equal(waiting.waiting, false, 'the retry keeps its slot: it waits out its backoff, not for capacity');
    assert.equal(waiting.done, false);
    assert.equal(waiting.attempts, 1);
    assert.deepEqual(waiting.error, { code: 'unavailable', message: 'transient failure on attempt 1' });
    assert.ok(waiting.dispatchTime && waiting.dispatchTime.toMillis() >= before, 'the retry is due after the backoff');
    assert.equal(waiting.slot, sent.slot, 'it still holds its slot');
    const [retry, ...more] = queue.published;
    assert.deepEqual(more, [], 'one message published: the retry');
    assert.deepEqual({ jobId: retry?.jobId, type: retry?.type }, { jobId: id, type: 'test.flaky' });
    // The retry's message carries the job as requeued, due when its backoff ends, for a claim with no read.
    assert.equal(retry?.sent.attempts, 1);
    const due = retry?.sent.dispatchTime ?? 0;
    assert.ok(
      Math.abs(due - waiting.dispatchTime.toMillis()) < 1,
      `sent due at ${due}, stored ${waiting.dispatchTime.toMillis()}`,
    );

    await handleTaskMessage(deliveredMessage(id, 'test.flaky', 'm2', retry?.sent), deps);
    const done = await readJob(id);
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.attempts, 2);
    assert.equal(done.error, undefined);
    assert.equal(queue.published.length, 1, 'no publish after the success');
  });
});
