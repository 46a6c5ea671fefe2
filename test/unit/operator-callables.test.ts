/**
 * The operator callables' checks, in process on the in-memory store: the caller first (`unauthenticated`), then the
 * claim `admin: true` from the verified token (`permission-denied`, before the job is read, so a refusal tells
 * nothing about it), then a live session (a revoked operator is `unauthenticated` at once), then the request. A
 * refused call reads no job and writes nothing.
 */
import assert from 'node:assert/strict';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { z } from 'zod';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskError } from '../../library/src/core/tasks/task-error';
import { handleAdminCancelJobCall, handleAdminRetryJobCall, type CallableDeps } from '../../library/src/entry/callable';
import { workerSimulation, type WorkerSimulation } from './core/worker-simulation';

const OPERATOR = 'operator-1';
const REVOKED = 'operator-revoked';

/** A callable request whose verified token has `claims`; undefined uid: signed out. */
function request(uid: string | undefined, data: unknown, claims: Record<string, unknown> = {}): CallableRequest {
  return {
    data,
    auth: uid ? { uid, token: { uid, ...claims } as DecodedIdToken, rawToken: `token-of:${uid}` } : undefined,
    rawRequest: {} as CallableRequest['rawRequest'],
    acceptsStreaming: false,
  };
}

const tasks = () => [
  defineTask({
    type: 'test.broken',
    input: z.strictObject({}),
    // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
    async run(): Promise<never> {
      throw new TaskError('internal', 'broken');
    },
  }),
];

async function refusedWith(call: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(call, (e: unknown) => e instanceof HttpsError && e.code === code);
}

describe('operator callables: the claim check', () => {
  let sim: WorkerSimulation;
  let deps: CallableDeps;
  let failed: string;

  beforeEach(async () => {
    sim = workerSimulation(tasks);
    deps = {
      ...sim.createDeps,
      enforceAppCheck: () => false,
      allowAnonymousCreates: () => true,
      // A session revoked since its token was issued fails the revocation check, as the Admin SDK's does.
      verifyIdToken: (token) =>
        token === `token-of:${REVOKED}`
          ? Promise.reject(new Error('auth/id-token-revoked'))
          : Promise.resolve({ uid: token.replace('token-of:', ''), anonymous: false }),
    };
    failed = await sim.create('test.broken', {}, 'someone');
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(failed).state, 'FAILED');
  });

  for (const [name, handle] of [
    ['adminRetryJob', handleAdminRetryJobCall],
    ['adminCancelJob', handleAdminCancelJobCall],
  ] as const) {
    it(`${name}: refuses a signed-out caller, a caller without admin: true, and a revoked operator; reads nothing`, async () => {
      const before = sim.store.stats;
      await refusedWith(handle(request(undefined, { id: failed }), deps), 'unauthenticated');
      for (const claims of [{}, { admin: 'true' }, { admin: false }]) {
        await refusedWith(handle(request('user-1', { id: failed }, claims), deps), 'permission-denied');
      }
      await refusedWith(handle(request(REVOKED, { id: failed }, { admin: true }), deps), 'unauthenticated');
      // Not even the refusal of bad input reaches a caller without the claim.
      await refusedWith(handle(request('user-1', null), deps), 'permission-denied');
      assert.equal(sim.store.stats.reads, before.reads, 'no job read');
      assert.equal(sim.store.stats.commits, before.commits, 'nothing written');
    });

    it(`${name}: with ENFORCE_APP_CHECK on, refuses even an operator without an App Check token`, async () => {
      const enforcing = { ...deps, enforceAppCheck: () => true };
      await refusedWith(handle(request(OPERATOR, { id: failed }, { admin: true }), enforcing), 'unauthenticated');
    });

    it(`${name}: answers an operator's bad input with invalid-argument and a missing job with not-found`, async () => {
      await refusedWith(handle(request(OPERATOR, { id: 3 }, { admin: true }), deps), 'invalid-argument');
      await refusedWith(handle(request(OPERATOR, { id: 'no-such-job' }, { admin: true }), deps), 'not-found');
    });
  }

  it('adminRetryJob: an operator retries any user’s FAILED job; adminCancelJob refuses it (done)', async () => {
    const retry = await handleAdminRetryJobCall(request(OPERATOR, { id: failed }, { admin: true }), deps);
    assert.equal(retry.retryOf, failed);
    assert.equal(sim.job(retry.id).owner, 'someone');
    await refusedWith(
      handleAdminCancelJobCall(request(OPERATOR, { id: failed }, { admin: true }), deps),
      'failed-precondition',
    );
  });
});
