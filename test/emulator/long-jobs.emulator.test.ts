/**
 * Jobs that sleep and wait for a signal, through the deployed functions on the emulator suite: the worker suspends
 * the job at its sleep (or its wait) and gives its slot back, the wake function (a Cloud Tasks queue function) wakes it at its time, and the job goes
 * on in a new invocation. The Cloud Tasks emulator dispatches a task at once, whatever its schedule time; the wake
 * function then waits for the job's time itself (entry/wake.ts), so the lateness measured here is the wake-up's and
 * the dispatch's, as in production where Cloud Tasks dispatches at the time.
 */
import assert from 'node:assert/strict';
import { signedInUser, type TestUser } from '../helpers/client';
import { readJob } from '../helpers/admin';
import { watchUntil, watchUntilDone } from '../helpers/watch-job';
import { httpsCallable } from 'firebase/functions';
import { signalJob } from '../../client/src/index';
import { signalJobAsServer } from '../../library/src/entry/server';
import { inProcessDeps } from '../helpers/in-process';

describe('long jobs: sleeps and signals (emulator)', function () {
  this.timeout(240_000);
  let user: TestUser;

  beforeEach(async () => {
    user = await signedInUser();
  });

  afterEach(async () => {
    await user.close();
  });

  it('sleeps 90 s holding no slot, runs another job meanwhile, and goes on within 5 s of its time', async () => {
    const created = await user.createJob({ type: 'test.nap', input: { napSeconds: 90 } });
    const asleep = await watchUntil(user.firestore, created.id, (job) => job.waitReason === 'sleep');
    assert.equal(asleep.state, 'RUNNING', 'a sleeping job is RUNNING to its owner');
    assert.equal(asleep.currentStep, 'nap');
    assert.deepEqual(asleep.steps, ['first', 'nap']);
    const stored = await readJob(created.id);
    assert.equal(stored.slot, null, 'it holds no slot while asleep');
    assert.equal(stored.leaseExpireTime, null, 'and no worker holds it');
    const dueAt = stored.dispatchTime?.toMillis() ?? 0;

    const other = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
    const otherDone = await watchUntilDone(user.firestore, other.id);
    assert.equal(otherDone.final.state, 'COMPLETED', 'another job ran while it slept');
    assert.ok(Date.now() < dueAt, 'before the sleep ended');

    const { final } = await watchUntilDone(user.firestore, created.id, 150_000);
    assert.equal(final.state, 'COMPLETED', JSON.stringify(final.error));
    const [first, second, third] = final.result as number[];
    assert.ok(second - first >= 90_000, `it slept ${second - first} ms`);
    assert.ok(second - dueAt < 5_000, `it went on ${second - dueAt} ms after its time`);
    assert.ok(third >= second);
    assert.equal(final.attempts, 1, 'a sleep is not an attempt');
    assert.deepEqual(final.steps, ['first', 'nap', 'second', 'third']);
  });

  it('waits for its owner’s approval holding nothing, and goes on within 2 s of the signal (the report task)', async () => {
    const created = await user.createJob({
      type: 'report',
      input: { sections: 2, sectionSeconds: 1, pauseSeconds: 0 },
    });
    const waiting = await watchUntil(user.firestore, created.id, (job) => job.waitReason === 'signal');
    assert.equal(waiting.currentStep, 'approval');
    assert.deepEqual(waiting.steps, ['section-1', 'section-2'], 'a pause of 0 s records nothing');
    assert.equal((await readJob(created.id)).slot, null, 'it holds no slot while it waits');

    const refused = await httpsCallable(
      user.functions,
      'signalJob',
    )({
      id: created.id,
      name: 'approval',
      payload: { approved: 'yes' },
    }).catch((e: unknown) => e as { code: string });
    assert.equal((refused as { code?: string }).code, 'functions/invalid-argument', 'a payload its schema refuses');

    const signalledAt = Date.now();
    const answer = await signalJob(user.functions, created.id, 'approval', { approved: true });
    assert.deepEqual(answer, { id: created.id, name: 'approval', state: 'RUNNING' });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED', JSON.stringify(final.error));
    assert.deepEqual(final.result, { sections: 2, published: true });
    assert.ok((final.doneTime?.toMillis() ?? Infinity) - signalledAt < 2_000, 'within 2 s of the signal');
    assert.deepEqual(final.steps, ['section-1', 'section-2', 'approval', 'publish']);
  });

  it('takes a server’s signal (the Admin SDK’s rights, no caller) to a user’s job, which goes on', async () => {
    const created = await user.createJob({
      type: 'report',
      input: { sections: 1, sectionSeconds: 1, pauseSeconds: 0 },
    });
    await watchUntil(user.firestore, created.id, (job) => job.waitReason === 'signal');
    const deps = inProcessDeps();
    await assert.rejects(signalJobAsServer({ id: created.id, name: 'approval', payload: {} }, deps), {
      code: 'invalid-argument',
      field: 'payload.approved',
    });
    const answer = await signalJobAsServer({ id: created.id, name: 'approval', payload: { approved: false } }, deps);
    assert.deepEqual(answer, { id: created.id, name: 'approval', state: 'RUNNING' });
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'COMPLETED', JSON.stringify(final.error));
    assert.deepEqual(final.result, { sections: 1, published: false, reason: 'rejected' });
  });

  it('starts a job created with delaySeconds within 5 s of its time, holding no slot before', async () => {
    const created = await user.createJob({ type: 'sleep', input: { worktime: 0 }, delaySeconds: 10 });
    const stored = await readJob(created.id);
    assert.equal(stored.waitReason, 'scheduled');
    assert.equal(stored.slot, null);
    const dueAt = stored.dispatchTime?.toMillis() ?? 0;
    // Due 10 s after the function read its clock, a moment before the commit that stamped createTime.
    const delay = dueAt - stored.createTime.toMillis();
    assert.ok(delay > 9_000 && delay <= 10_000, `due ${delay} ms after its create`);
    const { final } = await watchUntilDone(user.firestore, created.id, 60_000);
    assert.equal(final.state, 'COMPLETED');
    const lateness = (final.startTime?.toMillis() ?? Infinity) - dueAt;
    assert.ok(lateness >= 0 && lateness < 5_000, `it started ${lateness} ms after its time`);
  });

  it('ends a sleeping job CANCELLED at once when its owner cancels it', async () => {
    const created = await user.createJob({ type: 'test.nap', input: { napSeconds: 3600 } });
    await watchUntil(user.firestore, created.id, (job) => job.waitReason === 'sleep');
    const answer = await httpsCallable(user.functions, 'cancelJob')({ id: created.id });
    const answeredAt = Date.now();
    assert.equal((answer.data as { state: string }).state, 'CANCELLED', 'the call itself ends it');
    const { final } = await watchUntilDone(user.firestore, created.id);
    assert.equal(final.state, 'CANCELLED');
    // The commit that ended it came before the call's answer (the emulator's clock is this machine's).
    assert.ok((final.doneTime?.toMillis() ?? Infinity) <= answeredAt + 50, 'CANCELLED before the call returned');
  });
});
