/**
 * ENFORCE_APP_CHECK on the HTTP API: with it, a request without a valid App Check token (`X-Firebase-AppCheck`) is
 * refused 401 before its ID token is looked at, and writes nothing; with a valid one, or with the setting off (as
 * shipped), the API serves the caller. The callables' side is test/emulator/app-check.emulator.test.ts.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../../library/src/core/tasks/task';
import { APP_CHECK_TOKEN, callHttpApi, httpApiDeps, httpRequest } from './http-calls';
import { OWNER, workerSimulation } from './worker-simulation';

const work = defineTask({ type: 'test.work', input: z.strictObject({}), run: () => Promise.resolve('done') });
const create = () => httpRequest('POST', '/', { type: 'test.work', input: {} });

describe('App Check on the HTTP API (simulated)', () => {
  it('refuses a request without an App Check token, or with a bad one, 401, writing nothing', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER, true);
    for (const req of [
      create(),
      httpRequest('POST', '/', { type: 'test.work', input: {} }, { 'x-firebase-appcheck': 'forged' }),
    ]) {
      const answer = await callHttpApi(req, deps);
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, {
        error: {
          code: 401,
          message: 'send a valid App Check token: X-Firebase-AppCheck: <token>',
          status: 'UNAUTHENTICATED',
        },
      });
    }
    const list = await callHttpApi(httpRequest('GET', '/'), deps);
    assert.equal(list.status, 401, 'reads too');
    assert.equal(sim.store.stats.commits, 0);
  });

  it('serves a request with a valid App Check token', async () => {
    const sim = workerSimulation(() => [work]);
    const req = httpRequest('POST', '/', { type: 'test.work', input: {} }, { 'x-firebase-appcheck': APP_CHECK_TOKEN });
    const answer = await callHttpApi(req, httpApiDeps(sim, OWNER, true));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  });

  it('asks for no App Check token when enforcement is off', async () => {
    const sim = workerSimulation(() => [work]);
    assert.equal((await callHttpApi(create(), httpApiDeps(sim, OWNER, false))).status, 201);
  });
});
