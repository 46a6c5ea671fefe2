/**
 * What the store's fenced writes do when a commit fails with a transient gRPC error, which the emulator cannot be
 * made to answer on demand (it did once, UNKNOWN with no message, under load). The Firestore here is a stand-in
 * for one document: `get` and `update` with the update-time precondition, failing the updates it is told to.
 */
import assert from 'node:assert/strict';
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { firestoreJobRepository } from '../../library/src/adapters/firestore/firestore-job-repository';
import type { FirestoreJob } from '../../library/src/adapters/firestore/job-codec';

class OneDocument {
  data: Record<string, unknown>;
  updateTime = Timestamp.fromMillis(1000);
  updates = 0;
  /** Errors the next updates throw, in order; `applied` ones are written before they throw (a lost answer). */
  failures: { code: number; applied?: boolean }[] = [];

  constructor(data: Record<string, unknown>) {
    this.data = data;
  }

  private tick(): Timestamp {
    this.updateTime = Timestamp.fromMillis(this.updateTime.toMillis() + 1);
    return this.updateTime;
  }

  /** gRPC codes the next reads throw, in order. */
  readFailures: number[] = [];
  reads = 0;

  readonly ref = {
    get: () => {
      this.reads += 1;
      const code = this.readFailures.shift();
      if (code !== undefined) return Promise.reject(Object.assign(new Error(''), { code }));
      return Promise.resolve({ data: () => this.data as unknown as FirestoreJob, updateTime: this.updateTime });
    },
    update: (fields: Record<string, unknown>, precondition: { lastUpdateTime: Timestamp }) => {
      this.updates += 1;
      const failure = this.failures.shift();
      if (failure && !failure.applied) return Promise.reject(Object.assign(new Error(''), { code: failure.code }));
      if (!precondition.lastUpdateTime.isEqual(this.updateTime)) {
        return Promise.reject(Object.assign(new Error('stale'), { code: 9 }));
      }
      this.data = { ...this.data, ...fields };
      const writeTime = this.tick();
      if (failure) return Promise.reject(Object.assign(new Error(''), { code: failure.code }));
      return Promise.resolve({ writeTime });
    },
  };

  firestore(): Firestore {
    return { collection: () => ({ doc: () => this.ref }) } as unknown as Firestore;
  }
}

const queued = () => ({ owner: 'u', type: 'sleep', input: {}, state: 'CREATED', done: false, attempts: 0 });

describe('job store: fenced writes after transient errors', () => {
  it('claims after an UNKNOWN that was not applied, by reading again and retrying', async () => {
    const doc = new OneDocument(queued());
    doc.failures = [{ code: 2 }];
    const claim = await firestoreJobRepository(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.equal(claim.claimed, true);
    assert.equal(doc.updates, 2);
    assert.equal(doc.data.state, 'RUNNING');
    assert.equal(doc.data.attempts, 1);
  });

  it('knows its own claim applied despite UNAVAILABLE by its claimId, and claims it once', async () => {
    const doc = new OneDocument(queued());
    doc.failures = [{ code: 14, applied: true }];
    const claim = await firestoreJobRepository(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.equal(claim.claimed, true);
    assert.equal(doc.updates, 1, 'no second claim');
    assert.equal(doc.data.attempts, 1);
    assert.equal(claim.claimed && claim.attempt.attempt, 1);
    assert.ok(
      claim.claimed && (claim.attempt.version as Timestamp).isEqual(doc.updateTime),
      'fenced by the applied write',
    );
  });

  it("knows its own claim when the SDK's retry of an applied commit fails the fence (FAILED_PRECONDITION)", async () => {
    const doc = new OneDocument(queued());
    doc.failures = [{ code: 9, applied: true }];
    const claim = await firestoreJobRepository(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.equal(claim.claimed, true);
    assert.equal(doc.updates, 1);
  });

  it('never runs a job twice: a job that another claim holds (another claimId) is not claimable', async () => {
    const doc = new OneDocument(queued());
    const stale = await firestoreJobRepository(doc.firestore(), 'jobs').read('j');
    doc.data = { ...doc.data, state: 'RUNNING', attempts: 1, claimId: 'another worker' };
    doc.updateTime = Timestamp.fromMillis(2000);
    const claim = await firestoreJobRepository(doc.firestore(), 'jobs').claim('j', 5000, 1000, stale);
    assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'RUNNING' });
    assert.equal(doc.data.claimId, 'another worker');
    assert.equal(doc.data.attempts, 1);
  });

  it('counts a terminal write applied despite UNAVAILABLE as written, and writes it once', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 14, applied: true }];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, version: doc.updateTime };
    const result = await store.finish(at, { state: 'COMPLETED', result: 42 }, 5000, 30);
    assert.deepEqual(result, { written: true, state: 'COMPLETED' });
    assert.equal(doc.updates, 1);
    assert.equal(doc.data.result, 42);
  });

  it('does not count another writer’s end of the job as its own (the sweep failed it meanwhile)', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, version: doc.updateTime };
    // The sweep's FAILED, with the expireTime of its own clock.
    doc.data = { ...doc.data, state: 'FAILED', done: true, expireTime: Timestamp.fromMillis(123) };
    doc.updateTime = Timestamp.fromMillis(2000);
    const error = { code: 'internal' as const, message: 'x' };
    const result = await store.finish(at, { state: 'FAILED', error }, 5000, 30);
    assert.deepEqual(result, { written: false, state: 'FAILED' });
    assert.equal(doc.updates, 1);
    assert.notDeepEqual(doc.data.error, error);
  });

  it('counts a retry’s requeue applied despite RESOURCE_EXHAUSTED as written, by its dispatch time', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 8, applied: true }];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, version: doc.updateTime };
    const result = await store.requeue(at, { code: 'unavailable', message: 'x' }, 7000);
    assert.deepEqual(result, { written: true, state: 'CREATED' });
    assert.equal(doc.updates, 1);
    assert.equal((doc.data.dispatchTime as Timestamp).toMillis(), 7000);
  });

  it('retries a progress write after ABORTED and writes it once', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 10 }];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const result = await store.writeProgress({ id: 'j', attempt: 1, version: doc.updateTime }, { percent: 5 });
    assert.deepEqual(result, { written: true, state: 'RUNNING' });
    assert.deepEqual(doc.data.progress, { percent: 5 });
  });

  it('reads again after a transient read error (UNAVAILABLE, DEADLINE_EXCEEDED) and then claims', async () => {
    const doc = new OneDocument(queued());
    doc.readFailures = [14, 4];
    const claim = await firestoreJobRepository(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.equal(claim.claimed, true);
    assert.equal(doc.reads, 3);
    assert.equal(doc.data.state, 'RUNNING');
  });

  it('re-reads through transient errors after an ambiguous commit, and knows its own applied claim', async () => {
    const doc = new OneDocument(queued());
    doc.failures = [{ code: 14, applied: true }];
    doc.readFailures = [];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const seen = await store.read('j');
    doc.readFailures = [14, 10];
    const claim = await store.claim('j', 5000, 1000, seen);
    assert.equal(claim.claimed, true);
    assert.equal(doc.updates, 1, 'claimed once');
    assert.equal(doc.reads, 4, 'the first read, two failed re-reads, one that answered');
  });

  it('does not retry a read that retrying cannot mend (PERMISSION_DENIED)', async () => {
    const doc = new OneDocument(queued());
    doc.readFailures = [7];
    await assert.rejects(
      firestoreJobRepository(doc.firestore(), 'jobs').read('j'),
      (e: { code?: number }) => e.code === 7,
    );
    assert.equal(doc.reads, 1);
  });

  it('writes a COMPLETED end through transient commit errors that were not applied', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 14 }, { code: 4 }];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, version: doc.updateTime };
    const result = await store.finish(at, { state: 'COMPLETED', result: 'done' }, 5000, 30);
    assert.deepEqual(result, { written: true, state: 'RUNNING' });
    assert.equal(doc.data.state, 'COMPLETED');
    assert.equal(doc.data.result, 'done');
  });

  it('refuses every write of an attempt once its end is written, without writing', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, version: doc.updateTime };
    const error = { code: 'cancelled' as const, message: 'x' };
    assert.equal((await store.finish(at, { state: 'CANCELLED', error }, 5000, 30)).written, true);
    const ended = { ...doc.data };
    assert.deepEqual(await store.writeProgress(at, { percent: 9 }), { written: false });
    assert.deepEqual(await store.requeue(at, error, 9000), { written: false });
    assert.equal(doc.updates, 1, 'only the end was written');
    assert.deepEqual(doc.data, ended);
  });

  it('refuses a write of an attempt whose claim the job no longer holds, though the attempt number matches', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1, claimId: 'another claim' });
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    const at = { id: 'j', attempt: 1, claimId: 'my claim' };
    assert.deepEqual(await store.writeProgress(at, { percent: 5 }), { written: false, state: 'RUNNING' });
    assert.equal(doc.updates, 0);
  });

  it('does not retry what retrying cannot mend (PERMISSION_DENIED)', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 7 }];
    const store = firestoreJobRepository(doc.firestore(), 'jobs');
    await assert.rejects(
      store.writeProgress({ id: 'j', attempt: 1, version: doc.updateTime }, { percent: 5 }),
      (e: { code?: number }) => e.code === 7,
    );
    assert.equal(doc.updates, 1);
  });
});
