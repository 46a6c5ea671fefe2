/**
 * A user whose sessions were revoked, or whose account was disabled, still holds an ID token valid for up to an
 * hour. Where a call costs or acts (createJob, createJobs, signalJob; the HTTP API's creates and signal) the token
 * is checked for revocation, and refused `unauthenticated` / 401 writing nothing; reads and cancels take it as it
 * is (no Firebase Auth lookup for them).
 */
import assert from 'node:assert/strict';
import { HttpsError } from 'firebase-functions/v2/https';
import { z } from 'zod';
import { defineTask } from '../../../library/src/core/tasks/task';
import {
  handleCancelJobCall,
  handleCreateJobCall,
  handleCreateJobsCall,
  handleSignalJobCall,
  type CallableDeps,
} from '../../../library/src/entry/callable';
import { callableRequest } from '../../helpers/callable-request';
import { callHttpApi, httpApiDeps, httpRequest, REVOKED_TOKEN, TOKEN } from './http-calls';
import { OWNER, workerSimulation } from './worker-simulation';

const work = defineTask({ type: 'test.work', input: z.strictObject({}), run: () => Promise.resolve('done') });

const callFrom = (rawToken: string, data: unknown) => callableRequest(OWNER, data, rawToken);

describe('revoked or disabled users', () => {
  it('are refused createJob, createJobs and signalJob, unauthenticated, and nothing is written', async () => {
    const sim = workerSimulation(() => [work]);
    const deps: CallableDeps = httpApiDeps(sim, OWNER);
    const calls = [
      () => handleCreateJobCall(callFrom(REVOKED_TOKEN, { type: 'test.work', input: {} }), deps),
      () => handleCreateJobsCall(callFrom(REVOKED_TOKEN, { jobs: [{ type: 'test.work', input: {} }] }), deps),
      () => handleSignalJobCall(callFrom(REVOKED_TOKEN, { id: 'x', name: 'go' }), deps),
    ];
    for (const call of calls) {
      await assert.rejects(
        call,
        (e: unknown) =>
          e instanceof HttpsError && e.code === 'unauthenticated' && /revoked or is disabled/.test(e.message),
      );
    }
    assert.equal(sim.store.stats.commits, 0);
    const created = await handleCreateJobCall(callFrom(TOKEN, { type: 'test.work', input: {} }), deps);
    assert.equal(created.type, 'test.work', 'a live user is served');
    const cancelled = await handleCancelJobCall(callFrom(REVOKED_TOKEN, { id: created.id }), deps);
    assert.equal(cancelled.id, created.id, 'a cancel takes the token as it is');
  });

  it('are refused the HTTP API’s creates 401, and still read their jobs until the token expires', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER);
    const revoked = { authorization: `Bearer ${REVOKED_TOKEN}` };
    const create = await callHttpApi(httpRequest('POST', '/', { type: 'test.work', input: {} }, revoked), deps);
    assert.equal(create.status, 401);
    const batch = await callHttpApi(
      httpRequest('POST', '/:batchCreate', { jobs: [{ type: 'test.work', input: {} }] }, revoked),
      deps,
    );
    assert.equal(batch.status, 401);
    assert.equal(sim.store.stats.commits, 0);
    const list = await callHttpApi(httpRequest('GET', '/', undefined, revoked), deps);
    assert.equal(list.status, 200, JSON.stringify(list.body));
  });
});
