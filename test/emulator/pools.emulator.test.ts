/**
 * Worker pools through the real triggers: `primes` names the compute pool (functions/src/tasks/pools.ts), so its
 * job is recorded in that pool, takes one of that pool's slots, and is run by the pool's own worker function
 * (`runJobCompute`, on the topic `jobs-compute`), while `sleep` stays on the standard pool's `runJob`. Which
 * function ran a job is read from the Logging emulator, where each entry carries its function's name.
 */
import assert from 'node:assert/strict';
import { adminFirestore, readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { FunctionLogs } from '../helpers/function-logs';
import { watchUntilDone } from '../helpers/watch-job';

describe('worker pools (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));
  let logs: FunctionLogs;

  before(async () => {
    logs = await FunctionLogs.open();
  });

  after(() => logs.close());

  /** The function that logged the job's start. */
  async function ranBy(id: string): Promise<string | undefined> {
    const started = await logs.waitFor(`"job running" for ${id}`, (e) => e.message === 'job running' && e.jobId === id);
    return started.functionName;
  }

  it("runs a compute-pool task on the pool's own worker, in the pool's own slots", async () => {
    const { id } = await user.createJob({ type: 'primes', input: { below: 100_000 } });
    const { final } = await watchUntilDone(user.firestore, id);
    assert.equal(final.state, 'COMPLETED');
    assert.deepEqual(final.result, { below: 100_000, count: 9592 });
    const stored = await readJob(id);
    assert.equal(stored.pool, 'compute');
    assert.equal(await ranBy(id), 'us-central1-runJobCompute');
    // The slot it held is one of the compute pool's, and it gave the slot back when it ended.
    const slots = await adminFirestore().collection('jobPools').doc('compute').collection('slots').get();
    assert.ok(slots.size >= 1, 'the compute pool has slots');
    assert.ok(
      slots.docs.every((slot) => slot.get('jobId') !== id),
      'the slot is free again',
    );
  });

  it('runs a standard-pool task on runJob', async () => {
    const { id } = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
    const { final } = await watchUntilDone(user.firestore, id);
    assert.equal(final.state, 'COMPLETED');
    assert.equal((await readJob(id)).pool, 'standard');
    assert.equal(await ranBy(id), 'us-central1-runJob');
  });
});
