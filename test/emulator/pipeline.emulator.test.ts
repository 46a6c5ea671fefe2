/**
 * The whole pipeline through the real SDKs on the emulator suite: a signed-in client calls createJob, the
 * Functions emulator writes the job and publishes the task, the Pub/Sub emulator pushes it to the worker, and
 * the client's Firestore listener sees the job move through its states.
 */
import assert from 'node:assert/strict';
import { doc, getDoc } from 'firebase/firestore';
import { SLEEP_RESULT } from '../../functions/src/tasks/sleep';
import { userForSuite, type TestUser } from '../helpers/client';
import { FunctionLogs } from '../helpers/function-logs';
import { watchUntilDone } from '../helpers/watch-job';

describe('pipeline (emulator): createJob → Pub/Sub → worker → listener', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  it('runs a sleep job: the listener sees CREATED → RUNNING → COMPLETED with the seed result', async () => {
    const created = await user.createJob({ type: 'sleep', input: { worktime: 1 } });
    assert.equal(created.state, 'CREATED');
    assert.equal(created.type, 'sleep');
    assert.match(created.id, /^[A-Za-z0-9]{20}$/, 'a random Firestore auto-id');

    const { states, final } = await watchUntilDone(user.firestore, created.id);

    // A listener may coalesce quick updates, but what it sees is in order and ends COMPLETED; with a one
    // second task it always sees RUNNING.
    assert.deepEqual(states.slice(-2), ['RUNNING', 'COMPLETED'], `states seen: ${states.join(' → ')}`);
    assert.ok(states.length === 2 || states[0] === 'CREATED');
    assert.equal(final.owner, user.uid);
    assert.equal(final.type, 'sleep');
    assert.deepEqual(final.input, { worktime: 1 });
    assert.equal(final.done, true);
    assert.equal(final.result, SLEEP_RESULT);
    assert.equal(final.error, undefined);
    assert.equal(final.attempts, 1);
    assert.ok(final.startTime && final.doneTime, 'startTime and doneTime are set');
    const [create, start, done, update] = [final.createTime, final.startTime, final.doneTime, final.updateTime].map(
      (t) => t.toMillis(),
    );
    assert.ok(create <= start && start < done, 'createTime ≤ startTime < doneTime');
    assert.ok(done - start >= 1000, 'the one-second task ran for at least a second');
    assert.equal(update, done, 'the terminal write is the last update');
    // The durations the worker records are the same intervals. The worker takes the claim's start from the
    // commit's write time and the run's end from its own clock, so they may differ from the stored server
    // timestamps by a few ms (the emulator stamps a field a moment after the commit time it reports).
    assert.ok(
      final.queueMillis !== undefined && Math.abs(final.queueMillis - (start - create)) < 100,
      `queueMillis ${final.queueMillis} vs ${start - create}`,
    );
    assert.ok(final.runMillis !== undefined && final.runMillis >= 1000, `runMillis ${final.runMillis}`);
    assert.ok(Math.abs(final.runMillis - (done - start)) < 1000, `runMillis ${final.runMillis} vs ${done - start}`);
  });

  it('ends a failing task FAILED with a google.rpc-style error', async () => {
    const created = await user.createJob({
      type: 'test.fail',
      input: { message: 'the input names a file that does not exist', code: 'not-found' },
    });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'FAILED');
    assert.equal(final.done, true);
    assert.deepEqual(final.error, { code: 'not-found', message: 'the input names a file that does not exist' });
    assert.equal(final.result, undefined);
    assert.equal(final.attempts, 1);
    assert.ok(final.doneTime);
  });

  it('reports an unexpected handler error as internal, its message only in the log entry its logId finds', async () => {
    const logs = await FunctionLogs.open();
    try {
      const message = 'connect ECONNREFUSED 10.1.2.3:5432 (password=hunter2)';
      const created = await user.createJob({ type: 'test.fail', input: { message } });
      const { final } = await watchUntilDone(user.firestore, created.id);
      assert.equal(final.state, 'FAILED');
      const logId = final.error?.logId ?? assert.fail(`the job's error has a logId: ${JSON.stringify(final.error)}`);
      assert.deepEqual(final.error, {
        code: 'internal',
        message: `the task failed with an internal error (logId ${logId})`,
        logId,
      });
      const { input, ...written } = final; // the input (this task's message) is the owner's own
      assert.ok(input);
      assert.doesNotMatch(JSON.stringify(written), /ECONNREFUSED|hunter2/, 'nothing of the thrown message on the job');
      const logged = await logs.waitFor('the withheld error', (entry) => entry.logId === logId);
      assert.equal(logged.entry.jobId, created.id);
      assert.equal(logged.entry.severity, 'ERROR');
      assert.match(JSON.stringify(logged.entry.thrown), /ECONNREFUSED 10\.1\.2\.3:5432/);
    } finally {
      logs.close();
    }
  });

  it('lets the owner read the job document once it is done', async () => {
    const created = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
    await watchUntilDone(user.firestore, created.id);
    const snap = await getDoc(doc(user.firestore, 'jobs', created.id));
    assert.equal(snap.get('state'), 'COMPLETED');
  });
});
