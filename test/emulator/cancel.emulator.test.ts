/**
 * Cancellation (AIP-151 CancelOperation) through the real cancelJob callable.
 *
 * The worker no longer follows its job from the claim: it starts listening for a cancel request after the
 * handler's first second (WorkerTimings.cancelWatchDelayMs), and the listener's first snapshot shows a request made
 * before. The RUNNING jobs here are cancelled as soon as they are seen RUNNING, mostly within that first second, so
 * they check that a request made before the listener starts still stops the handler.
 */
import assert from 'node:assert/strict';
import { UNNAMEABLE_JOB_IDS } from '../helpers/bad-requests';
import { httpsCallable } from 'firebase/functions';
import type { CancelJobResponse } from '@async-jobs/contract';
import { anonymousClient, refusal, userForSuite, type TestUser } from '../helpers/client';
import { emulatorAccess } from '../helpers/in-process';
import { createWaitingJob } from '../helpers/queued-jobs';
import { watchUntil, watchUntilDone } from '../helpers/watch-job';

function cancelJob(user: TestUser, data: unknown): Promise<CancelJobResponse> {
  return httpsCallable<unknown, CancelJobResponse>(user.functions, 'cancelJob')(data).then((r) => r.data);
}

const cancelError = (user: TestUser, data: unknown) => refusal(() => cancelJob(user, data), 'cancelJob');

describe('cancelJob (emulator)', () => {
  let owner: TestUser;
  let other: TestUser;
  userForSuite((u) => (owner = u));
  userForSuite((u) => (other = u));

  it('cancels a CREATED job at once', async () => {
    // A job no worker has picked up: written in-process, waiting for a slot of a pool no worker serves.
    const { id } = await createWaitingJob(emulatorAccess(), owner.uid ?? '', { type: 'sleep', input: { worktime: 1 } });
    const response = await cancelJob(owner, { id });
    assert.deepEqual(response, { id, state: 'CANCELLED', cancelRequested: false });
    const { final } = await watchUntilDone(owner.firestore, id);
    assert.equal(final.state, 'CANCELLED');
    assert.equal(final.attempts, 0, 'it never ran');
    assert.deepEqual(final.error, { code: 'cancelled', message: 'the job was cancelled by its owner' });
    assert.ok(final.doneTime && final.expireTime);
  });

  it('stops a RUNNING sleep job: the handler sees the abort and the job ends CANCELLED', async () => {
    const created = await owner.createJob({ type: 'sleep', input: { worktime: 120 } });
    await watchUntil(owner.firestore, created.id, (job) => job.state === 'RUNNING');
    const response = await cancelJob(owner, { id: created.id });
    assert.deepEqual(response, { id: created.id, state: 'RUNNING', cancelRequested: true });
    const { final } = await watchUntilDone(owner.firestore, created.id);
    assert.equal(final.state, 'CANCELLED');
    assert.equal(final.error?.code, 'cancelled');
    assert.equal(final.result, undefined);
    assert.ok(final.doneTime && final.startTime);
    // The worker's listener on the job (started after the handler's first second) saw the cancel request and
    // aborted the handler, which stopped far from its 120 s.
    assert.ok(final.doneTime.toMillis() - final.startTime.toMillis() < 60_000);
  });

  it('stops a RUNNING CPU-bound primes job between segments', async () => {
    // The largest primes job runs for a few seconds only; a cold cancelJob instance of the emulator can take that
    // long to start, so it is warmed first (its not-found answer). The unit tests abort primes deterministically.
    assert.equal((await cancelError(owner, { id: 'warm-up-0000000000000' })).code, 'functions/not-found');
    const created = await owner.createJob({ type: 'primes', input: { below: 1_000_000_000 } });
    await watchUntil(owner.firestore, created.id, (job) => job.state === 'RUNNING');
    await cancelJob(owner, { id: created.id });
    const { final } = await watchUntilDone(owner.firestore, created.id);
    assert.equal(final.state, 'CANCELLED');
    assert.equal(final.error?.code, 'cancelled');
  });

  it('refuses a job that is already done with failed-precondition', async () => {
    const created = await owner.createJob({ type: 'sleep', input: { worktime: 0 } });
    await watchUntilDone(owner.firestore, created.id);
    const error = await cancelError(owner, { id: created.id });
    assert.equal(error.code, 'functions/failed-precondition');
    assert.match(error.message, /already COMPLETED/);
  });

  it("answers not-found for another user's job, exactly as for a job that does not exist", async () => {
    const created = await owner.createJob({ type: 'sleep', input: { worktime: 0 } });
    const theirs = await cancelError(other, { id: created.id });
    const missing = await cancelError(other, { id: 'no-such-job-000000000' });
    assert.equal(theirs.code, 'functions/not-found');
    assert.equal(missing.code, 'functions/not-found');
    assert.equal(theirs.message.replace(created.id, 'ID'), missing.message.replace('no-such-job-000000000', 'ID'));
    const { final } = await watchUntilDone(owner.firestore, created.id);
    assert.equal(final.state, 'COMPLETED', "the other user's cancel changed nothing");
  });

  it('answers not-found for an id Firestore cannot name a document with, exactly as for a missing job', async () => {
    const missing = await cancelError(owner, { id: 'no-such-job-000000000' });
    for (const { name, id } of [...UNNAMEABLE_JOB_IDS, { name: 'an id with a slash', id: 'a/b' }]) {
      const error = await cancelError(owner, { id });
      assert.equal(error.code, 'functions/not-found', name);
      assert.equal(error.message.replace(id, 'ID'), missing.message.replace('no-such-job-000000000', 'ID'), name);
    }
  });

  it('refuses a missing or non-string id with invalid-argument and a signed-out caller with unauthenticated', async () => {
    for (const data of [null, {}, { id: 42 }, { id: '' }]) {
      const error = await cancelError(owner, data);
      assert.equal(error.code, 'functions/invalid-argument', JSON.stringify(data));
    }
    const stranger = anonymousClient();
    try {
      assert.equal((await cancelError(stranger, { id: 'x' })).code, 'functions/unauthenticated');
    } finally {
      await stranger.close();
    }
  });
});
