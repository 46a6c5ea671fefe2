/**
 * ALLOW_ANONYMOUS_CREATES: an anonymous account costs nothing to make, so per-user limits do not hold a script that
 * makes many. A deployment that sets it false refuses creates by anonymous users (`permission-denied`, HTTP 403),
 * writing nothing; users with an account create as before, and anonymous users still read, cancel and signal their
 * own jobs. As shipped (true) anonymous users create, as the demo web app's do.
 */
import assert from 'node:assert/strict';
import { HttpsError } from 'firebase-functions/v2/https';
import { z } from 'zod';
import { defineTask } from '../../../library/src/core/tasks/task';
import { handleCreateJobCall, handleCreateJobsCall } from '../../../library/src/entry/callable';
import { callableRequest } from '../../helpers/callable-request';
import { callHttpApi, httpApiDeps, httpRequest, TOKEN } from './http-calls';
import { OWNER, workerSimulation } from './worker-simulation';

const work = defineTask({ type: 'test.work', input: z.strictObject({}), run: () => Promise.resolve('done') });
const call = (data: unknown) => callableRequest(OWNER, data, TOKEN);

describe('ALLOW_ANONYMOUS_CREATES', () => {
  it('false: refuses an anonymous user’s creates, permission-denied and 403, writing nothing', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER, false, { anonymous: true, allowAnonymousCreates: false });
    for (const create of [
      () => handleCreateJobCall(call({ type: 'test.work', input: {} }), deps),
      () => handleCreateJobsCall(call({ jobs: [{ type: 'test.work', input: {} }] }), deps),
    ]) {
      await assert.rejects(
        create,
        (e: unknown) => e instanceof HttpsError && e.code === 'permission-denied' && /not anonymously/.test(e.message),
      );
    }
    const http = await callHttpApi(httpRequest('POST', '/', { type: 'test.work', input: {} }), deps);
    assert.equal(http.status, 403);
    assert.equal(sim.store.stats.commits, 0);
    assert.equal((await callHttpApi(httpRequest('GET', '/'), deps)).status, 200, 'reads are not creates');
  });

  it('false: a user with an account creates as before', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER, false, { anonymous: false, allowAnonymousCreates: false });
    assert.equal((await handleCreateJobCall(call({ type: 'test.work', input: {} }), deps)).type, 'test.work');
    assert.equal((await callHttpApi(httpRequest('POST', '/', { type: 'test.work', input: {} }), deps)).status, 201);
  });

  it('true (as shipped): an anonymous user creates', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER, false, { anonymous: true, allowAnonymousCreates: true });
    assert.equal((await handleCreateJobCall(call({ type: 'test.work', input: {} }), deps)).type, 'test.work');
  });
});
