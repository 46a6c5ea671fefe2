/**
 * Optional App Check enforcement (ENFORCE_APP_CHECK). The emulator cannot mint App Check tokens, and a
 * verified token reaches a handler only as `request.app`, so the handlers are called in-process with the
 * setting on; that a forged token is rejected before the handler is firebase-functions' job, shown in production.
 */
import assert from 'node:assert/strict';
import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { handleCancelJobCall } from '../../functions/src/entry/callable';
import { handleCreateJobCall } from '../../functions/src/entry/callable';
import { countJobsOwnedBy } from '../helpers/admin';
import { callableRequest, CapturingQueue, inProcessDeps } from '../helpers/in-process';

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

  it('is off by default: functions/.env ships ENFORCE_APP_CHECK=false', async () => {
    const { readFileSync } = await import('node:fs');
    const env = readFileSync(`${__dirname}/../../functions/.env`, 'utf8');
    assert.match(env, /^ENFORCE_APP_CHECK=false$/m);
  });
});
