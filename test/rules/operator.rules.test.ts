/**
 * firestore.rules for the operator console: a user whose token has the custom claim `admin: true` reads every job
 * and its steps, with the console's own queries (counts, the latest failures), and nothing more: no write to a job or
 * a step, no read of the scheduling's documents. A user without the claim (or with `admin: "true"`, a string) gets
 * none of it. Style of jobs.rules.test.ts: one context per persona, seeded with the rules off.
 *
 * Needs FIRESTORE_EMULATOR_HOST; `npm test` sets it.
 */
import assert from 'node:assert/strict';
import { assertFails, assertSucceeds, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import {
  collection,
  deleteDoc,
  doc,
  getCountFromServer,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  setDoc,
  Timestamp,
  updateDoc,
  where,
} from 'firebase/firestore';
import type { JobDocument } from '@async-jobs/contract';
import { libraryRulesEnvironment, type ClientFirestore } from '../helpers/rules-environment';

/** Its own project id, so clearing it touches no other test's data. */
const PROJECT_ID = 'demo-async-jobs-rules-operator';
const JOBS = 'jobs';

function job(owner: string, state: JobDocument<Timestamp>['state'], doneAt?: number): JobDocument<Timestamp> {
  const createTime = Timestamp.fromMillis(1_000_000);
  const done = doneAt !== undefined;
  return {
    owner,
    type: 'sleep',
    input: { worktime: 1 },
    state,
    done,
    attempts: done ? 1 : 0,
    pool: 'standard',
    createTime,
    updateTime: createTime,
    startTime: null,
    doneTime: done ? Timestamp.fromMillis(doneAt) : null,
    ...(state === 'FAILED' ? { error: { code: 'internal', message: 'boom' } } : {}),
  };
}

const SEED: Readonly<Record<string, JobDocument<Timestamp>>> = {
  'alice-failed': job('alice', 'FAILED', 2_000_000),
  'alice-running': job('alice', 'RUNNING'),
  'bob-failed': job('bob', 'FAILED', 3_000_000),
};

/** The console's queries (web/src/admin/console-store.ts), as an operator's page runs them. */
const consoleQueries = (db: ClientFirestore) => ({
  countFailedInPool: () =>
    getCountFromServer(query(collection(db, JOBS), where('pool', '==', 'standard'), where('state', '==', 'FAILED'))),
  latestFailures: () =>
    getDocs(query(collection(db, JOBS), where('state', '==', 'FAILED'), orderBy('doneTime', 'desc'), limit(10))),
  anyJob: () => getDoc(doc(db, JOBS, 'alice-failed')),
  steps: () => getDocs(collection(db, JOBS, 'alice-failed', 'steps')),
});

describe('firestore.rules: the operator console', () => {
  let testEnv: RulesTestEnvironment;
  let operator: ClientFirestore;
  /** A claim that looks right but is the string "true": the rules grant nothing for it. */
  let stringClaim: ClientFirestore;
  let bob: ClientFirestore;

  before(async () => {
    testEnv = await libraryRulesEnvironment(PROJECT_ID);
    operator = testEnv.authenticatedContext('ops', { admin: true }).firestore();
    stringClaim = testEnv.authenticatedContext('almost', { admin: 'true' }).firestore();
    bob = testEnv.authenticatedContext('bob').firestore();
  });

  beforeEach(async () => {
    await testEnv.clearFirestore();
    await testEnv.withSecurityRulesDisabled(async (context) => {
      const db = context.firestore();
      for (const [id, data] of Object.entries(SEED)) await setDoc(doc(db, JOBS, id), data);
      await setDoc(doc(db, JOBS, 'alice-failed', 'steps', 'fetch'), { name: 'fetch', result: 1, attempt: 1 });
      await setDoc(doc(db, 'jobPools/standard/slots/0'), { jobId: 'alice-running' });
    });
  });

  after(async () => {
    if (testEnv) await testEnv.cleanup();
  });

  describe('an operator (admin: true)', () => {
    it("gets any user's job and its steps, and lists every job without an owner filter", async () => {
      const q = consoleQueries(operator);
      assert.equal((await assertSucceeds(q.anyJob())).get('owner'), 'alice');
      assert.deepEqual(
        (await assertSucceeds(q.steps())).docs.map((d) => d.id),
        ['fetch'],
      );
      const all = await assertSucceeds(getDocs(collection(operator, JOBS)));
      assert.deepEqual(all.docs.map((d) => d.id).sort(), Object.keys(SEED).sort());
    });

    it("runs the console's queries: a count by pool and state, and the latest failures newest first", async () => {
      const q = consoleQueries(operator);
      assert.equal((await assertSucceeds(q.countFailedInPool())).data().count, 2);
      assert.deepEqual(
        (await assertSucceeds(q.latestFailures())).docs.map((d) => d.id),
        ['bob-failed', 'alice-failed'],
      );
    });

    it('cannot create, update or delete a job or a step', async () => {
      await assertFails(setDoc(doc(operator, JOBS, 'new'), job('ops', 'CREATED')));
      await assertFails(updateDoc(doc(operator, JOBS, 'alice-failed'), { state: 'CREATED', done: false }));
      await assertFails(deleteDoc(doc(operator, JOBS, 'alice-failed')));
      await assertFails(setDoc(doc(operator, JOBS, 'alice-failed', 'steps', 'forged'), { name: 'forged' }));
      await testEnv.withSecurityRulesDisabled(async (context) => {
        const db = context.firestore();
        const snap = await getDocs(collection(db, JOBS));
        assert.deepEqual(snap.docs.map((d) => d.id).sort(), Object.keys(SEED).sort());
        assert.equal((await getDoc(doc(db, JOBS, 'alice-failed'))).get('state'), 'FAILED');
      });
    });

    it("cannot read the scheduling's documents (the rules give reads of jobs only)", async () => {
      await assertFails(getDoc(doc(operator, 'jobPools/standard/slots/0')));
      await assertFails(getDocs(collection(operator, 'jobPools/standard/slots')));
      await assertFails(getDoc(doc(operator, 'jobOwners/alice')));
    });
  });

  for (const [name, db] of [
    ['a user without the claim', () => bob],
    ['a user whose admin claim is the string "true"', () => stringClaim],
  ] as const) {
    describe(name, () => {
      it("is refused every console query: another user's job, its steps, the counts, the failures", async () => {
        const q = consoleQueries(db());
        await assertFails(q.anyJob());
        await assertFails(q.steps());
        await assertFails(q.countFailedInPool());
        await assertFails(q.latestFailures());
        await assertFails(getDocs(collection(db(), JOBS)));
      });
    });
  }

  it('a user without the claim still reads their own jobs (the owner rule is unchanged)', async () => {
    const own = await assertSucceeds(getDocs(query(collection(bob, JOBS), where('owner', '==', 'bob'))));
    assert.deepEqual(
      own.docs.map((d) => d.id),
      ['bob-failed'],
    );
  });
});
