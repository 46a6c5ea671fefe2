/**
 * Optional App Check enforcement (ENFORCE_APP_CHECK). The emulator cannot mint App Check tokens, and a
 * verified token reaches a handler only as `request.app`, so the handlers are called in-process with the
 * setting on; that a forged token is rejected before the handler is firebase-functions' job, shown in production.
 * That it is off as shipped is shown on the emulator's functions, which read the setting from functions/.env.
 */
import assert from 'node:assert/strict';
import type { CancelJobResponse } from '@async-jobs/contract';
import { httpsCallable } from 'firebase/functions';
import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { handleCancelJobCall, handleCreateJobCall } from '../../library/src/entry/callable';
import { countJobsOwnedBy } from '../helpers/admin';
import { withSignedInUser } from '../helpers/client';
import { callableRequest, CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { watchUntilDone } from '../helpers/watch-job';

const withApp = (request: CallableRequest<unknown>): CallableRequest<unknown> => ({
  ...request,
  app: { appId: '1:123:web:abc', token: { app_id: '1:123:web:abc' } as NonNullable<CallableRequest['app']>['token'] },
});

describe('App Check enforcement (emulator)', () => {
  const uid = `app-check-${crypto.randomUUID()}`;
  const deps = inProcessDeps({ queue: new CapturingQueue(), enforceAppCheck: () => true });
  const create = { type: 'sleep', input: { worktime: 0 } };

  it('refuses createJob and cancelJob without an App Check token when enforcement is on', async () => {
    for (const call of [
      () => handleCreateJobCall(callableRequest(uid, create), deps),
      () => handleCancelJobCall(callableRequest(uid, { id: 'x' }), deps),
    ]) {
      await assert.rejects(
        call,
        (e: unknown) => e instanceof HttpsError && e.code === 'unauthenticated' && /App Check/.test(e.message),
      );
    }
    assert.equal(await countJobsOwnedBy(uid), 0);
  });

  it('accepts a request that carries a verified App Check token', async () => {
    const created = await handleCreateJobCall(withApp(callableRequest(uid, create)), deps);
    assert.equal(created.state, 'CREATED');
    const cancelled = await handleCancelJobCall(withApp(callableRequest(uid, { id: created.id })), deps);
    assert.equal(cancelled.state, 'CANCELLED');
  });

  it('is off as shipped: the functions, with functions/.env, serve a signed-in client that sends no App Check token', async () => {
    // The emulator's functions load functions/.env as a deploy does (the test suite's functions folder gets a copy
    // of it from `npm run build:test-functions`), and this client has no App Check: with ENFORCE_APP_CHECK=true
    // both calls would be refused with unauthenticated.
    await withSignedInUser(async (client) => {
      const created = await client.createJob({ type: 'sleep', input: { worktime: 30 } });
      assert.equal(created.state, 'CREATED');
      const cancelled = (
        await httpsCallable<unknown, CancelJobResponse>(client.functions, 'cancelJob')({ id: created.id })
      ).data;
      assert.equal(cancelled.id, created.id);
      assert.ok(cancelled.state === 'CANCELLED' || cancelled.cancelRequested, JSON.stringify(cancelled));
      const { final } = await watchUntilDone(client.firestore, created.id);
      assert.equal(final.state, 'CANCELLED');
    });
  });
});
