/**
 * firestore.rules against the Firestore emulator: a client may read its own jobs (one by one, or with a
 * query filtered on its uid) and nothing else, and may write nothing at all, since only the functions (Admin
 * SDK, which bypasses the rules) write jobs and the scheduling's documents beside them. Follows quickstart-testing/unit-test-security-rules-v9: one
 * context per persona, data seeded with the rules off, cleared before each test.
 *
 * Needs FIRESTORE_EMULATOR_HOST; `npm test` sets it, or point it at any Firestore emulator.
 */
import assert from 'node:assert/strict';
import { assertFails, assertSucceeds, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import {
  collection,
  deleteDoc,
  doc,
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

/** Its own project id, so clearing it never touches the data of the emulator suite's other tests. */
const PROJECT_ID = 'demo-async-jobs-rules';
const JOBS = 'jobs';

/** A job document as the worker leaves it; only `owner` matters to the rules, the rest keeps it realistic. */
function job(owner: string, createdAtMillis: number): JobDocument<Timestamp> {
  const createTime = Timestamp.fromMillis(createdAtMillis);
  return {
    owner,
    type: 'sleep',
    input: { worktime: 1 },
    state: 'CREATED',
    done: false,
    attempts: 0,
    createTime,
    updateTime: createTime,
    startTime: null,
    doneTime: null,
  };
}

/** The seeded jobs: two of alice's (the second newer) and one of bob's. */
const SEED: Readonly<Record<string, JobDocument<Timestamp>>> = {
  'alice-1': job('alice', 1_000_000),
  'alice-2': job('alice', 2_000_000),
  'bob-1': job('bob', 1_500_000),
};

describe('firestore.rules: jobs', () => {
  let testEnv: RulesTestEnvironment;
  /** The owner of alice-1 and alice-2. */
  let alice: ClientFirestore;
  /** Another signed-in user, owner of bob-1. */
  let bob: ClientFirestore;
  /** A client that has not signed in. */
  let anonymous: ClientFirestore;

  before(async () => {
    testEnv = await libraryRulesEnvironment(PROJECT_ID);
    alice = testEnv.authenticatedContext('alice').firestore();
    bob = testEnv.authenticatedContext('bob').firestore();
    anonymous = testEnv.unauthenticatedContext().firestore();
  });

  beforeEach(async () => {
    await testEnv.clearFirestore();
    await testEnv.withSecurityRulesDisabled(async (context) => {
      const db = context.firestore();
      for (const [id, data] of Object.entries(SEED)) await setDoc(doc(db, JOBS, id), data);
    });
  });

  after(async () => {
    // testEnv is unset when before() failed (no emulator); that failure is the one to report.
    if (testEnv) await testEnv.cleanup();
  });

  /** The ids of a query's result, in order. */
  async function idsOf(pending: ReturnType<typeof getDocs>): Promise<string[]> {
    const snapshot = await assertSucceeds(pending);
    return snapshot.docs.map((d) => d.id);
  }

  describe('the owner', () => {
    it('can get their job', async () => {
      const snapshot = await assertSucceeds(getDoc(doc(alice, JOBS, 'alice-1')));
      assert.equal(snapshot.get('owner'), 'alice');
    });

    it('cannot get an id that names no job: the rule reads the job’s owner, so a missing job is refused too', async () => {
      await assertFails(getDoc(doc(alice, JOBS, 'no-such-job')));
    });

    it("can list their jobs with where('owner', '==', uid)", async () => {
      const ids = await idsOf(getDocs(query(collection(alice, JOBS), where('owner', '==', 'alice'))));
      assert.deepEqual(ids.sort(), ['alice-1', 'alice-2']);
    });

    it("can list their jobs newest first with orderBy('createTime', 'desc') and limit", async () => {
      const newest = query(
        collection(alice, JOBS),
        where('owner', '==', 'alice'),
        orderBy('createTime', 'desc'),
        limit(1),
      );
      assert.deepEqual(await idsOf(getDocs(newest)), ['alice-2']);
    });

    it('can list their jobs filtered on more than the owner', async () => {
      const created = query(collection(alice, JOBS), where('owner', '==', 'alice'), where('state', '==', 'CREATED'));
      assert.deepEqual((await idsOf(getDocs(created))).sort(), ['alice-1', 'alice-2']);
    });

    it('cannot list jobs without the owner filter, even though every match would be theirs', async () => {
      // The rule is checked against the query, not the results: only owner == uid proves it.
      await assertFails(getDocs(collection(alice, JOBS)));
      await assertFails(getDocs(query(collection(alice, JOBS), orderBy('createTime', 'desc'), limit(10))));
      await assertFails(getDocs(query(collection(alice, JOBS), where('state', '==', 'CREATED'))));
    });
  });

  describe('another signed-in user', () => {
    it("cannot get the owner's job", async () => {
      await assertFails(getDoc(doc(bob, JOBS, 'alice-1')));
    });

    it("cannot list jobs filtered on the owner's uid", async () => {
      await assertFails(getDocs(query(collection(bob, JOBS), where('owner', '==', 'alice'))));
    });

    it("lists their own jobs, and none of the owner's, when filtering on their own uid", async () => {
      const ids = await idsOf(getDocs(query(collection(bob, JOBS), where('owner', '==', 'bob'))));
      assert.deepEqual(ids, ['bob-1']);
      assert.ok(!ids.some((id) => SEED[id]?.owner === 'alice'));
    });

    it('cannot list jobs without the owner filter', async () => {
      await assertFails(getDocs(collection(bob, JOBS)));
    });
  });

  describe('an unauthenticated client', () => {
    it('cannot get a job', async () => {
      await assertFails(getDoc(doc(anonymous, JOBS, 'alice-1')));
    });

    it('cannot list jobs, filtered or not', async () => {
      await assertFails(getDocs(query(collection(anonymous, JOBS), where('owner', '==', 'alice'))));
      await assertFails(getDocs(collection(anonymous, JOBS)));
    });
  });

  /** Reads the jobs behind the rules, to show a refused write changed nothing. */
  async function assertSeedUnchanged(): Promise<void> {
    await testEnv.withSecurityRulesDisabled(async (context) => {
      const snapshot = await getDocs(collection(context.firestore(), JOBS));
      assert.deepEqual(snapshot.docs.map((d) => d.id).sort(), Object.keys(SEED).sort());
      for (const d of snapshot.docs) assert.equal(d.get('state'), 'CREATED', d.id);
    });
  }

  // Only the functions write jobs: a client that could write one could skip validation or fake a result.
  describe('writes to jobs', () => {
    const personas: ReadonlyArray<readonly [string, () => ClientFirestore]> = [
      ['the owner', () => alice],
      ['another user', () => bob],
      ['an unauthenticated client', () => anonymous],
    ];

    for (const [name, db] of personas) {
      describe(`by ${name}`, () => {
        it('cannot create a job, even one naming alice as its owner', async () => {
          await assertFails(setDoc(doc(db(), JOBS, 'new-job'), job('alice', 3_000_000)));
          await assertSeedUnchanged();
        });

        it('cannot update a job (say, to mark it COMPLETED)', async () => {
          await assertFails(updateDoc(doc(db(), JOBS, 'alice-1'), { state: 'COMPLETED', done: true }));
          await assertSeedUnchanged();
        });

        it('cannot overwrite a job with set', async () => {
          await assertFails(setDoc(doc(db(), JOBS, 'alice-1'), { ...job('alice', 1_000_000), state: 'CANCELLED' }));
          await assertSeedUnchanged();
        });

        it('cannot delete a job', async () => {
          await assertFails(deleteDoc(doc(db(), JOBS, 'alice-1')));
          await assertSeedUnchanged();
        });
      });
    }
  });

  // A job's steps done: its owner follows them; nobody else reads them, and no client writes one.
  describe("a job's steps", () => {
    const STEP = { name: 'fetch', result: { pages: 3 }, attempt: 1, doneTime: Timestamp.fromMillis(1_000_500) };

    beforeEach(async () => {
      await testEnv.withSecurityRulesDisabled(async (context) => {
        await setDoc(doc(context.firestore(), JOBS, 'alice-1', 'steps', 'fetch'), STEP);
      });
    });

    it('the owner can get a step and list the steps', async () => {
      const step = await assertSucceeds(getDoc(doc(alice, JOBS, 'alice-1', 'steps', 'fetch')));
      assert.deepEqual(step.get('result'), { pages: 3 });
      assert.deepEqual(await idsOf(getDocs(collection(alice, JOBS, 'alice-1', 'steps'))), ['fetch']);
    });

    it('another user and an unauthenticated client can neither get nor list them', async () => {
      for (const db of [bob, anonymous]) {
        await assertFails(getDoc(doc(db, JOBS, 'alice-1', 'steps', 'fetch')));
        await assertFails(getDocs(collection(db, JOBS, 'alice-1', 'steps')));
      }
    });

    it('no client can write one, not even the owner', async () => {
      for (const db of [alice, bob, anonymous]) {
        await assertFails(setDoc(doc(db, JOBS, 'alice-1', 'steps', 'forged'), STEP));
        await assertFails(updateDoc(doc(db, JOBS, 'alice-1', 'steps', 'fetch'), { result: 'forged' }));
        await assertFails(deleteDoc(doc(db, JOBS, 'alice-1', 'steps', 'fetch')));
      }
    });
  });

  // The fair scheduling's documents (library/src/adapters/firestore/scheduling-collections.ts) are the
  // functions' alone: an owner reading their own counters would learn nothing they need, and one writing them could
  // free a place in their quota or a worker slot for themselves.
  describe("the scheduling's documents", () => {
    const SCHEDULING: Readonly<Record<string, Record<string, unknown>>> = {
      'jobOwners/alice': { waits: { 'a-token': 4_000_000_000_000 } },
      'jobOwners/alice/admission/0': { active: 2 },
      'jobPools/standard': { name: 'standard' },
      'jobPools/standard/slots/0': { jobId: 'alice-1' },
      'jobPools/standard/slots/1': { jobId: null },
    };
    const personas: ReadonlyArray<readonly [string, () => ClientFirestore]> = [
      ['their owner', () => alice],
      ['another user', () => bob],
      ['an unauthenticated client', () => anonymous],
    ];

    beforeEach(async () => {
      await testEnv.withSecurityRulesDisabled(async (context) => {
        for (const [path, data] of Object.entries(SCHEDULING)) await setDoc(doc(context.firestore(), path), data);
      });
    });

    /** Reads the scheduling's documents behind the rules, to show a refused write changed nothing. */
    async function assertSchedulingUnchanged(): Promise<void> {
      await testEnv.withSecurityRulesDisabled(async (context) => {
        for (const [path, data] of Object.entries(SCHEDULING)) {
          const snapshot = await getDoc(doc(context.firestore(), path));
          assert.deepEqual(snapshot.data(), data, path);
        }
      });
    }

    for (const [name, db] of personas) {
      describe(`by ${name}`, () => {
        for (const path of Object.keys(SCHEDULING)) {
          it(`cannot get ${path}`, async () => {
            await assertFails(getDoc(doc(db(), path)));
          });
        }

        it('cannot list an owner’s counters, the owners, a pool’s slots or the pools', async () => {
          await assertFails(getDocs(collection(db(), 'jobOwners/alice/admission')));
          await assertFails(getDocs(query(collection(db(), 'jobOwners'), limit(10))));
          await assertFails(getDocs(collection(db(), 'jobPools/standard/slots')));
          await assertFails(getDocs(query(collection(db(), 'jobPools/standard/slots'), where('jobId', '==', null))));
          await assertFails(getDocs(collection(db(), 'jobPools')));
        });

        it('cannot take a place back in a quota (an admission counter down, a wait dropped)', async () => {
          await assertFails(updateDoc(doc(db(), 'jobOwners/alice/admission/0'), { active: 0 }));
          await assertFails(setDoc(doc(db(), 'jobOwners/alice/admission/0'), { active: 0 }));
          await assertFails(deleteDoc(doc(db(), 'jobOwners/alice/admission/0')));
          await assertFails(updateDoc(doc(db(), 'jobOwners/alice'), { waits: {} }));
          await assertFails(deleteDoc(doc(db(), 'jobOwners/alice')));
          await assertSchedulingUnchanged();
        });

        it('cannot free, take or make a worker slot', async () => {
          await assertFails(updateDoc(doc(db(), 'jobPools/standard/slots/0'), { jobId: null }));
          await assertFails(updateDoc(doc(db(), 'jobPools/standard/slots/1'), { jobId: 'alice-2' }));
          await assertFails(deleteDoc(doc(db(), 'jobPools/standard/slots/0')));
          await assertFails(setDoc(doc(db(), 'jobPools/standard/slots/2'), { jobId: null }));
          await assertFails(setDoc(doc(db(), 'jobPools/other'), { name: 'other' }));
          await assertSchedulingUnchanged();
        });
      });
    }
  });

  // Deny by default: a new collection (or a subcollection of a job) must get its own rule before use.
  describe('other paths', () => {
    const paths = ['other/x', `${JOBS}/alice-1/logs/x`, 'users/alice'];

    beforeEach(async () => {
      await testEnv.withSecurityRulesDisabled(async (context) => {
        for (const path of paths) await setDoc(doc(context.firestore(), path), { owner: 'alice' });
      });
    });

    for (const path of paths) {
      it(`${path}: no one can read it`, async () => {
        for (const db of [alice, bob, anonymous]) {
          await assertFails(getDoc(doc(db, path)));
          const parent = collection(db, path.slice(0, path.lastIndexOf('/')));
          await assertFails(getDocs(query(parent, where('owner', '==', 'alice'))));
        }
      });

      it(`${path}: no one can write it`, async () => {
        for (const db of [alice, bob, anonymous]) {
          await assertFails(setDoc(doc(db, path), { owner: 'alice' }));
          await assertFails(deleteDoc(doc(db, path)));
        }
      });
    }
  });
});
