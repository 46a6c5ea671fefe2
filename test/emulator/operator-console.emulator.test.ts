/**
 * The operator console's functions through the real callables on the emulator suite, with users whose ID tokens
 * carry (or lack) the custom claim `admin: true`, and `npm run grant-admin` against the Auth emulator. An operator
 * retries another user's FAILED job as a new job of that user that completes, cancels another user's job, and is
 * refused with the right code where the job or the request does not allow it; a user without the claim is refused
 * with permission-denied and changes nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getAuth } from 'firebase-admin/auth';
import { signInWithEmailAndPassword } from 'firebase/auth';
import { httpsCallable } from 'firebase/functions';
import type { AdminRetryJobResponse, CancelJobResponse } from '@async-jobs/contract';
import { TEST_GATES_COLLECTION } from '../fixtures/tasks/test-tasks';
import { adminApp, adminFirestore, countJobsOwnedBy, readJob } from '../helpers/admin';
import { anonymousClient, refusal, userForSuite, type TestUser } from '../helpers/client';
import { passwordUser, signedInWithClaims } from '../helpers/operators';
import { watchUntil, watchUntilDone } from '../helpers/watch-job';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

const retryJob = (user: TestUser, data: unknown) =>
  httpsCallable<unknown, AdminRetryJobResponse>(user.functions, 'adminRetryJob')(data).then((r) => r.data);
const cancelJob = (user: TestUser, data: unknown) =>
  httpsCallable<unknown, CancelJobResponse>(user.functions, 'adminCancelJob')(data).then((r) => r.data);

describe('operator console functions (emulator)', () => {
  let owner: TestUser;
  let operator: TestUser;
  let plain: TestUser;
  userForSuite((u) => (owner = u));

  before(async () => {
    operator = await signedInWithClaims({ admin: true });
    plain = await signedInWithClaims({ role: 'support' });
  });

  after(async () => {
    await Promise.all([operator?.close(), plain?.close()]);
  });

  /** A job of the owner's that ended FAILED: a test.gate job whose gate is closed. */
  async function failedGateJob(): Promise<{ id: string; gate: string }> {
    const gate = `gate-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await adminFirestore().collection(TEST_GATES_COLLECTION).doc(gate).set({ open: false });
    const { id } = await owner.createJob({ type: 'test.gate', input: { gate } });
    const { final } = await watchUntilDone(owner.firestore, id);
    assert.equal(final.state, 'FAILED');
    return { id, gate };
  }

  it("retries another user's FAILED job as a new job of theirs, which completes; the failed job is untouched", async () => {
    const { id, gate } = await failedGateJob();
    const before = await readJob(id);
    await adminFirestore().collection(TEST_GATES_COLLECTION).doc(gate).set({ open: true });
    const retry = await retryJob(operator, { id });
    assert.equal(retry.retryOf, id);
    assert.equal(retry.type, 'test.gate');
    assert.notEqual(retry.id, id);
    // The owner follows the retry like any job of theirs (the rules key on owner): it is theirs.
    const { final } = await watchUntilDone(owner.firestore, retry.id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal(final.result, `passed the gate ${gate}`);
    assert.equal(final.owner, owner.uid);
    assert.equal(final.retryOf, id);
    assert.deepEqual(final.input, { gate });
    const after = await readJob(id);
    assert.equal(after.state, 'FAILED');
    assert.ok(after.updateTime.isEqual(before.updateTime), 'the FAILED job was not written');
    // Asked again, the retry is found, not made twice.
    assert.equal((await retryJob(operator, { id })).id, retry.id);
  });

  it("cancels another user's RUNNING job: its worker stops it", async () => {
    const { id } = await owner.createJob({ type: 'sleep', input: { worktime: 120 } });
    await watchUntil(owner.firestore, id, (job) => job.state === 'RUNNING');
    assert.deepEqual(await cancelJob(operator, { id }), { id, state: 'RUNNING', cancelRequested: true });
    const { final } = await watchUntilDone(owner.firestore, id);
    assert.equal(final.state, 'CANCELLED');
  });

  it('refuses a caller without admin: true with permission-denied, and a signed-out one with unauthenticated; nothing changes', async () => {
    const { id } = await failedGateJob();
    const before = await readJob(id);
    const jobs = await countJobsOwnedBy(owner.uid ?? '');
    for (const user of [plain, owner]) {
      assert.equal((await refusal(() => retryJob(user, { id }), 'retry')).code, 'functions/permission-denied');
      assert.equal((await refusal(() => cancelJob(user, { id }), 'cancel')).code, 'functions/permission-denied');
    }
    const stranger = anonymousClient();
    try {
      assert.equal((await refusal(() => retryJob(stranger, { id }), 'retry')).code, 'functions/unauthenticated');
    } finally {
      await stranger.close();
    }
    assert.equal(await countJobsOwnedBy(owner.uid ?? ''), jobs, 'no job made');
    assert.ok((await readJob(id)).updateTime.isEqual(before.updateTime), 'the job unchanged');
  });

  it('answers not-found, failed-precondition and invalid-argument, and writes nothing', async () => {
    const missing = await refusal(() => retryJob(operator, { id: 'no-such-job-000000000' }), 'retry');
    assert.equal(missing.code, 'functions/not-found');
    assert.equal(
      (await refusal(() => cancelJob(operator, { id: 'no-such-job-000000000' }), 'cancel')).code,
      'functions/not-found',
    );
    const { id } = await owner.createJob({ type: 'sleep', input: { worktime: 0 } });
    await watchUntilDone(owner.firestore, id);
    const jobs = await countJobsOwnedBy(owner.uid ?? '');
    const completed = await refusal(() => retryJob(operator, { id }), 'retry of a COMPLETED job');
    assert.equal(completed.code, 'functions/failed-precondition');
    assert.match(completed.message, /only a FAILED or CANCELLED job can be retried/);
    const done = await refusal(() => cancelJob(operator, { id }), 'cancel of a done job');
    assert.equal(done.code, 'functions/failed-precondition');
    for (const data of [null, {}, { id: 42 }, { id: '' }]) {
      assert.equal(
        (await refusal(() => retryJob(operator, data), 'retry')).code,
        'functions/invalid-argument',
        JSON.stringify(data),
      );
      assert.equal(
        (await refusal(() => cancelJob(operator, data), 'cancel')).code,
        'functions/invalid-argument',
        JSON.stringify(data),
      );
    }
    assert.equal(await countJobsOwnedBy(owner.uid ?? ''), jobs, 'no job made');
  });
});

describe('npm run grant-admin (Auth emulator)', () => {
  const grant = (...args: string[]) =>
    run(process.execPath, [join(ROOT, 'scripts', 'grant-admin.mjs'), ...args], { cwd: ROOT, env: process.env });
  const claimsOf = async (uid: string) => (await getAuth(adminApp()).getUser(uid)).customClaims ?? {};

  it('grants admin by email or uid, keeping other claims, and --revoke takes it back', async () => {
    const user = await passwordUser({ plan: 'pro' });
    const { stdout } = await grant(user.email);
    assert.match(stdout, /now has admin: true .*sign in again or the app refreshes the token/);
    assert.deepEqual(await claimsOf(user.uid), { plan: 'pro', admin: true });
    await grant(user.uid, '--revoke');
    assert.deepEqual(await claimsOf(user.uid), { plan: 'pro' });
  });

  it("reaches a signed-in user's calls only with a fresh ID token", async () => {
    const { email, password } = await passwordUser();
    const client = anonymousClient();
    try {
      const { user } = await signInWithEmailAndPassword(client.auth, email, password);
      await grant(email);
      const stale = await refusal(() => retryJob(client, { id: 'no-such-job-000000000' }), 'a stale token');
      assert.equal(stale.code, 'functions/permission-denied', 'the token from before the grant has no claim');
      await user.getIdToken(true);
      const fresh = await refusal(() => retryJob(client, { id: 'no-such-job-000000000' }), 'a fresh token');
      assert.equal(fresh.code, 'functions/not-found', 'the refreshed token has it');
    } finally {
      await client.close();
    }
  });

  it('fails with a sentence for a user that does not exist', async () => {
    await assert.rejects(grant('nobody-here@example.com'), (e: { code?: number; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? '', /^grant-admin: /);
      return true;
    });
  });
});
