/**
 * What the store's fenced writes do when a commit fails with a transient gRPC error, which the emulator cannot be
 * made to answer on demand (it did once, UNKNOWN with no message, under load). The Firestore here is a stand-in
 * for one document: `get` and `update` with the update-time precondition, failing the updates it is told to.
 */
import assert from 'node:assert/strict';
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { JobStore, type StoredJob } from '../../functions/src/firebase/job-store';

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

  readonly ref = {
    get: () => Promise.resolve({ data: () => this.data as unknown as StoredJob, updateTime: this.updateTime }),
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
    const claim = await new JobStore(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.equal(claim.claimed, true);
    assert.equal(doc.updates, 2);
    assert.equal(doc.data.state, 'RUNNING');
    assert.equal(doc.data.attempts, 1);
  });

  it('never runs a job twice: a claim applied despite UNAVAILABLE is left to the lease, not claimed again', async () => {
    const doc = new OneDocument(queued());
    doc.failures = [{ code: 14, applied: true }];
    const claim = await new JobStore(doc.firestore(), 'jobs').claim('j', 5000, 1000);
    assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'RUNNING' });
    assert.equal(doc.updates, 1, 'no second claim');
    assert.equal(doc.data.attempts, 1);
  });

  it('retries a progress write after ABORTED and writes it once', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 10 }];
    const store = new JobStore(doc.firestore(), 'jobs');
    const result = await store.writeProgress({ id: 'j', attempt: 1, lastUpdateTime: doc.updateTime }, { percent: 5 });
    assert.deepEqual(result, { written: true, state: 'RUNNING' });
    assert.deepEqual(doc.data.progress, { percent: 5 });
  });

  it('does not retry what retrying cannot mend (PERMISSION_DENIED)', async () => {
    const doc = new OneDocument({ ...queued(), state: 'RUNNING', attempts: 1 });
    doc.failures = [{ code: 7 }];
    const store = new JobStore(doc.firestore(), 'jobs');
    await assert.rejects(
      store.writeProgress({ id: 'j', attempt: 1, lastUpdateTime: doc.updateTime }, { percent: 5 }),
      (e: { code?: number }) => e.code === 7,
    );
    assert.equal(doc.updates, 1);
  });
});
