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
import { turnsUntil } from '../deadline';
import { callHttpApi, httpApiDeps, httpRequest, REVOKED_TOKEN, TOKEN } from './http-calls';
import { OWNER, workerSimulation } from './worker-simulation';

const work = defineTask({ type: 'test.work', input: z.strictObject({}), run: () => Promise.resolve('done') });

const callFrom = (rawToken: string, data: unknown) => callableRequest(OWNER, data, rawToken);

/** The callables' refusal of a revoked or disabled user. */
const isRevokedRefusal = (e: unknown) =>
  e instanceof HttpsError && e.code === 'unauthenticated' && /revoked or is disabled/.test(e.message);

/**
 * The callables' dependencies with a revocation lookup that answers only when told to (as the real one answers after
 * a round trip to Firebase Auth): `asked` counts the lookups begun, `answer()` lets them all answer as `deps` would.
 */
function deferredLookup(deps: CallableDeps) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const lookup = {
    asked: 0,
    answer: () => release(),
    deps: {
      ...deps,
      verifyIdToken: async (token: string, checkRevoked: boolean) => {
        lookup.asked += 1;
        await released;
        return deps.verifyIdToken(token, checkRevoked);
      },
    } satisfies CallableDeps,
  };
  return lookup;
}

/** Lets the in-memory store serve what was asked of it until `holds` (a bounded number of turns of the loop). */
async function until(holds: () => boolean): Promise<void> {
  assert.ok(await turnsUntil(holds), 'the store was not asked what the create reads');
}

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
      await assert.rejects(call, isRevokedRefusal);
    }
    assert.equal(sim.store.stats.commits, 0);
    const created = await handleCreateJobCall(callFrom(TOKEN, { type: 'test.work', input: {} }), deps);
    assert.equal(created.type, 'test.work', 'a live user is served');
    const cancelled = await handleCancelJobCall(callFrom(REVOKED_TOKEN, { id: created.id }), deps);
    assert.equal(cancelled.id, created.id, 'a cancel takes the token as it is');
  });

  it('are looked up beside the create’s reads: the create writes nothing until the lookup answers', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER);
    // A first create makes the pool's slots, so the second finds a free one with its reads alone.
    const first = await handleCreateJobCall(callFrom(TOKEN, { type: 'test.work', input: {} }), deps);
    const { counts, queries, commits } = sim.store.stats;
    const lookup = deferredLookup(deps);
    const created = handleCreateJobCall(callFrom(TOKEN, { type: 'test.work', input: {} }), lookup.deps);
    await until(() => sim.store.stats.counts > counts && sim.store.stats.queries > queries);
    assert.equal(lookup.asked, 1, 'the lookup is under way');
    assert.equal(sim.store.stats.commits, commits, 'nothing is written while the lookup has not answered');
    lookup.answer();
    const job = await created;
    assert.equal(job.state, 'CREATED');
    assert.deepEqual(
      sim.store
        .peekCollection(sim.layout.jobs)
        .map((doc) => doc.id)
        .sort(),
      [first.id, job.id].sort(),
      'the job is written once the caller is known live',
    );
  });

  it('are looked up beside a delayed create’s count too: it writes nothing until the lookup answers', async () => {
    const sim = workerSimulation(() => [work]);
    const deps = httpApiDeps(sim, OWNER);
    const { counts, commits } = sim.store.stats;
    const lookup = deferredLookup(deps);
    const created = handleCreateJobCall(
      callFrom(TOKEN, { type: 'test.work', input: {}, delaySeconds: 60 }),
      lookup.deps,
    );
    await until(() => sim.store.stats.counts > counts);
    assert.equal(lookup.asked, 1, 'the lookup is under way');
    assert.equal(sim.store.stats.commits, commits, 'nothing is written while the lookup has not answered');
    lookup.answer();
    const job = await created;
    assert.equal(sim.job(job.id).waitReason, 'scheduled', 'the job is written once the caller is known live');
  });

  it('are refused unauthenticated when the lookup answers after the create’s reads, whatever else is wrong', async () => {
    const sim = workerSimulation(() => [work]);
    const lookup = deferredLookup(httpApiDeps(sim, OWNER));
    const calls = [
      handleCreateJobCall(callFrom(REVOKED_TOKEN, { type: 'test.work', input: {} }), lookup.deps),
      handleCreateJobsCall(callFrom(REVOKED_TOKEN, { jobs: [{ type: 'test.work', input: {} }] }), lookup.deps),
      // A create that is refused on its own (an unknown type) is still refused for its caller first.
      handleCreateJobCall(callFrom(REVOKED_TOKEN, { type: 'test.unknown', input: {} }), lookup.deps),
    ];
    await until(() => sim.store.stats.counts >= 2);
    assert.equal(lookup.asked, 3);
    lookup.answer();
    for (const call of calls) {
      await assert.rejects(call, isRevokedRefusal);
    }
    assert.equal(sim.store.stats.commits, 0);
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
