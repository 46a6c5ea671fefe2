/**
 * The in-memory document store: the DocumentStore conformance suite (the one the Firestore adapter passes on the
 * emulator), then what only the testing kit has: its statistics, commit listeners and peeks, indexes that answer as
 * a scan does, the faults FaultyDocumentStore injects, and what a killed process's store does.
 */
import assert from 'node:assert/strict';
import {
  DOCUMENT_ID,
  serverTime,
  StoreError,
  type DocumentData,
  type Filter,
  type Order,
  type Query,
  type StoreErrorCode,
  type StoreValue,
  type Write,
} from '../../library/src/core/ports/document-store';
import { FaultyDocumentStore } from '../../library/src/testing/faulty-document-store';
import { MemoryDocumentStore, type AppliedCommit } from '../../library/src/testing/memory-document-store';
import { processStore } from '../../library/src/testing/process-document-store';
import { seededRandom, type RandomSource } from '../../library/src/testing/seeded-random';
import { SIMULATION_EPOCH, SimulatedClock } from '../../library/src/testing/simulated-clock';
import { documentStoreConformance } from '../store/document-store.conformance';

let runs = 0;

documentStoreConformance('in memory', {
  setUp: () => ({ store: new MemoryDocumentStore({ clock: new SimulatedClock() }), root: `run${++runs}` }),
});

function memoryStore(options: { seed?: number; indexes?: boolean } = {}) {
  const clock = new SimulatedClock();
  return { clock, store: new MemoryDocumentStore({ clock, ...options }) };
}

/** Fails unless `work` fails with a StoreError of `code`. */
async function rejectsWith(code: StoreErrorCode, work: Promise<unknown>): Promise<void> {
  await assert.rejects(work, (e: unknown) => e instanceof StoreError && e.code === code);
}

/** A few turns of the event loop: long enough for any call of the in-memory store to answer. */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Whether `work` settled within a few turns of the event loop. */
async function settles(work: Promise<unknown>): Promise<boolean> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turns();
  return settled;
}

describe('MemoryDocumentStore', function () {
  describe('answers', function () {
    it('never synchronously: a commit is applied a microtask after the call', async function () {
      const { store } = memoryStore();
      const commit = store.commit([{ op: 'create', path: 'things/a', data: { n: 1 } }]);
      assert.equal(store.peek('things/a'), undefined);
      await commit;
      assert.deepEqual(store.peek('things/a')?.data, { n: 1 });
    });

    it('at the clock’s time: a serverTime field holds exactly the commit’s time', async function () {
      const { clock, store } = memoryStore();
      await clock.advance(1234);
      const { time } = await store.commit([{ op: 'create', path: 'things/a', data: { at: serverTime() } }]);
      assert.equal(time, SIMULATION_EPOCH + 1234);
      assert.equal(store.peek('things/a')?.data.at, time);
    });

    it('read-only: what a call answered cannot be changed, and changing what it was given changes nothing stored', async function () {
      const { store } = memoryStore();
      const data = { m: { n: 1 }, list: [1] };
      await store.commit([{ op: 'create', path: 'things/a', data }]);
      data.m.n = 2;
      const read = await store.get('things/a');
      assert.equal(Reflect.set(read?.data.m as object, 'n', 3), false, 'a map in it is frozen');
      assert.equal(Reflect.set(read?.data.list as object, 1, 2), false, 'an array in it is frozen');
      assert.equal(Reflect.set(read?.data as object, 'extra', 1), false, 'the document is frozen');
      assert.deepEqual(store.peek('things/a')?.data, { m: { n: 1 }, list: [1] });
    });

    it('with ids that are the same on every run of one seed, and differ between seeds', function () {
      const again = (seed: number) => {
        const { store } = memoryStore({ seed });
        return Array.from({ length: 3 }, () => store.newId());
      };
      assert.deepEqual(again(7), again(7));
      assert.notDeepEqual(again(7), again(8));
    });

    it('to each listener every change, in commit order, even when commits come faster than deliveries', async function () {
      const { store } = memoryStore();
      const seen: (number | undefined)[] = [];
      const stop = store.watch(
        'things/w',
        (doc) => seen.push(doc?.data.n as number | undefined),
        (e) => assert.fail(e),
      );
      await Promise.all([
        store.commit([{ op: 'create', path: 'things/w', data: { n: 1 } }]),
        store.commit([{ op: 'update', path: 'things/w', data: { n: 2 } }]),
        store.commit([{ op: 'update', path: 'things/w', data: { n: 2 } }]), // changes nothing: no snapshot
        store.commit([{ op: 'delete', path: 'things/w' }]),
      ]);
      await turns(1);
      stop();
      assert.deepEqual(seen, [undefined, 1, 2, undefined]);
    });

    it('with NaN as Firestore orders it: equal to itself, before every number, in no range', async function () {
      const { store } = memoryStore();
      await store.commit([
        { op: 'create', path: 'n/nan', data: { x: NaN } },
        { op: 'create', path: 'n/one', data: { x: 1 } },
        { op: 'create', path: 'n/low', data: { x: -Infinity } },
      ]);
      const ids = async (query: Omit<Query, 'collection'>) =>
        (await store.query({ collection: 'n', ...query })).map((d) => d.id);
      assert.deepEqual(await ids({ where: [{ field: 'x', op: '==', value: NaN }] }), ['nan']);
      assert.deepEqual(await ids({ orderBy: [{ field: 'x', direction: 'asc' }] }), ['nan', 'low', 'one']);
      assert.deepEqual(await ids({ where: [{ field: 'x', op: '<', value: 2 }] }), ['low', 'one']);
      assert.deepEqual(await ids({ where: [{ field: 'x', op: '!=', value: NaN }] }), ['low', 'one']);
      await rejectsWith(
        'invalid-argument',
        store.query({ collection: 'n', where: [{ field: 'x', op: '>', value: NaN }] }),
      );
    });
  });

  describe('observation', function () {
    it('peeks at documents and collections without a call', async function () {
      const { store } = memoryStore();
      await store.commit([
        { op: 'create', path: 'c/b', data: { n: 2 } },
        { op: 'create', path: 'c/a', data: { n: 1 } },
        { op: 'create', path: 'c/a/sub/x', data: { n: 3 } },
      ]);
      assert.equal(store.size, 3);
      assert.deepEqual(store.peek('c/a')?.data, { n: 1 });
      assert.deepEqual(
        store.peekCollection('c').map((doc) => doc.id),
        ['a', 'b'],
      );
      assert.deepEqual(
        store.peekCollection('c/a/sub').map((doc) => doc.path),
        ['c/a/sub/x'],
      );
      assert.deepEqual(store.peekCollection('none'), []);
    });

    it('counts reads, writes, deletes, commits and queries as Firestore bills them', async function () {
      const { store } = memoryStore();
      const writes: Write[] = Array.from({ length: 2500 }, (_, i) => ({
        op: 'create',
        path: `many/d${i}`,
        data: { even: i % 2 === 0 },
      }));
      await store.commit(writes);
      await store.commit([
        { op: 'delete', path: 'many/d0' },
        { op: 'update', path: 'many/d1', data: { seen: true } },
      ]);
      const before = store.stats;
      assert.equal(before.commits, 2);
      assert.equal(before.writes, 2501);
      assert.equal(before.deletes, 1);
      assert.equal(before.reads, 0);
      await store.get('many/d1');
      await store.getAll(['many/d2', 'many/none', 'many/d3']);
      assert.equal(store.stats.reads, 4, 'one per document asked, found or not');
      await store.query({ collection: 'many', where: [{ field: 'even', op: '==', value: true }], limit: 10 });
      assert.equal(store.stats.reads, 14, 'one per document a query returns');
      await store.query({ collection: 'many', where: [{ field: 'even', op: '==', value: 'never' }] });
      assert.equal(store.stats.reads, 15, 'at least one per query');
      assert.equal(await store.count({ collection: 'many' }), 2499);
      assert.equal(store.stats.reads, 18, 'one per 1,000 counted');
      const after = store.stats;
      assert.equal(after.queries, 2);
      assert.equal(after.counts, 1);
      assert.equal(after.byShape.get('many where even =='), 2);
      assert.equal(after.byShape.get('many'), 1);
      assert.equal(after.indexes, 2, 'one index per shape');
      assert.equal(after.scans, 0);
      assert.equal(before.reads, 0, 'a stats object is a snapshot');
    });

    it('counts listeners’ reads as Firestore bills them: each snapshot of a document listener; a matching listener’s start and what it sends', async function () {
      const { store } = memoryStore();
      await store.commit([{ op: 'create', path: 'heard/a', data: { flag: false, n: 0 } }]);
      const stopWatch = store.watch(
        'heard/a',
        () => undefined,
        () => undefined,
      );
      const stopMatching = store.watchMatching(
        'heard/a',
        [{ field: 'flag', op: '==', value: true }],
        () => undefined,
        () => undefined,
      );
      await turns(1);
      assert.equal(store.stats.listenerReads, 2, 'each listener’s start');
      for (let n = 1; n <= 5; n++) {
        await store.commit([{ op: 'update', path: 'heard/a', data: { n } }]);
        await turns(1);
      }
      assert.equal(
        store.stats.listenerReads,
        2 + 5,
        'the document listener pays for the 5 changes, the other for none',
      );
      await store.commit([{ op: 'update', path: 'heard/a', data: { flag: true } }]);
      await turns(1);
      assert.equal(store.stats.listenerReads, 7 + 2, 'both pay for the change that made it match');
      stopWatch();
      stopMatching();
      await store.commit([{ op: 'update', path: 'heard/a', data: { n: 6 } }]);
      await turns(1);
      assert.equal(store.stats.listenerReads, 9, 'a stopped listener pays nothing');
      assert.equal(store.stats.reads, 0, 'apart from reads');
    });

    it('refuses a watchMatching filter other than equality, through onError after it returned', async function () {
      const { store } = memoryStore();
      const errors: Error[] = [];
      store.watchMatching(
        'heard/b',
        [{ field: 'n', op: '>', value: 1 }],
        () => assert.fail('never called'),
        (e) => errors.push(e),
      );
      assert.equal(errors.length, 0);
      await turns(1);
      assert.ok(errors[0] instanceof StoreError && errors[0].code === 'invalid-argument');
    });

    it('keeps the time of every commit that wrote each document', async function () {
      const { clock, store } = memoryStore();
      await store.commit([{ op: 'create', path: 'log/a', data: { n: 1 } }]);
      await clock.advance(1000);
      await store.commit([
        { op: 'update', path: 'log/a', data: { n: 2 } },
        { op: 'create', path: 'log/b', data: { n: 1 } },
      ]);
      assert.deepEqual(store.writeTimes('log/a'), [SIMULATION_EPOCH, SIMULATION_EPOCH + 1000]);
      assert.deepEqual(
        new Map(store.writtenPaths()),
        new Map([
          ['log/a', store.writeTimes('log/a')],
          ['log/b', [SIMULATION_EPOCH + 1000]],
        ]),
      );
      assert.equal(store.writeLog.busiest(2000)?.path, 'log/a');
    });

    it('tells commit listeners each commit as it is applied, before it answers', async function () {
      const { store } = memoryStore();
      await store.commit([{ op: 'create', path: 'l/a', data: { n: 1 } }]);
      const heard: AppliedCommit[] = [];
      let answered = false;
      const stop = store.onCommit((commit) => {
        assert.equal(answered, false, 'heard before the commit answers');
        assert.deepEqual(store.peek('l/b')?.data, { n: 2 }, 'the commit is applied whole when heard');
        heard.push(commit);
      });
      await store
        .commit([
          { op: 'update', path: 'l/a', data: { n: 3 } },
          { op: 'create', path: 'l/b', data: { n: 2 } },
          { op: 'delete', path: 'l/none' },
        ])
        .then(() => (answered = true));
      await rejectsWith('already-exists', store.commit([{ op: 'create', path: 'l/b', data: {} }]));
      stop();
      await store.commit([{ op: 'delete', path: 'l/b' }]);
      assert.equal(heard.length, 1, 'a failed commit is not heard, nor one after the listener stopped');
      assert.deepEqual(heard[0].changes, [
        { path: 'l/a', before: { n: 1 }, after: { n: 3 } },
        { path: 'l/b', before: undefined, after: { n: 2 } },
        { path: 'l/none', before: undefined, after: undefined },
      ]);
      assert.equal(heard[0].time, SIMULATION_EPOCH);
    });
  });

  describe('indexes', function () {
    it('count equalities and a range without walking, and never scan', async function () {
      const { store } = memoryStore();
      const writes: Write[] = [];
      for (let i = 0; i < 5000; i++) {
        writes.push({ op: 'create', path: `jobs/j${i}`, data: { owner: `u${i % 10}`, done: i % 3 === 0, due: i } });
      }
      await store.commit(writes);
      const open = (owner: string): Filter[] => [
        { field: 'owner', op: '==', value: owner },
        { field: 'done', op: '==', value: false },
      ];
      assert.equal(await store.count({ collection: 'jobs', where: open('u1') }), 334);
      assert.equal(
        await store.count({ collection: 'jobs', where: [...open('u1'), { field: 'due', op: '<', value: 1000 }] }),
        67,
      );
      assert.equal(await store.count({ collection: 'jobs', where: [{ field: 'owner', op: '!=', value: 'u1' }] }), 4500);
      const next = await store.query({
        collection: 'jobs',
        where: open('u2'),
        orderBy: [{ field: 'due', direction: 'asc' }],
        limit: 2,
      });
      assert.deepEqual(
        next.map((doc) => doc.id),
        ['j2', 'j22'],
      );
      assert.equal(store.stats.skipped, 0);
      assert.equal(store.stats.scans, 0);
    });

    it('answer as a scan does, for random documents, queries and changes', async function () {
      const seed = Number(process.env.INDEX_PROPERTY_SEED ?? Date.now() % 1_000_000);
      try {
        await compareIndexesWithScan(seed, 300);
      } catch (e) {
        console.log(`index property test failed with seed ${seed} (INDEX_PROPERTY_SEED=${seed} to replay)`);
        throw e;
      }
    });

    it('take 100,000 documents and 100,000 indexed queries and counts in seconds', async function () {
      this.timeout(120_000);
      const { store } = memoryStore();
      const started = Date.now();
      for (let batch = 0; batch < 200; batch++) {
        const writes: Write[] = [];
        for (let i = batch * 500; i < (batch + 1) * 500; i++) {
          writes.push({
            op: 'create',
            path: `jobs/j${String(i).padStart(6, '0')}`,
            data: { owner: `u${i % 1000}`, state: i % 4 === 0 ? 'done' : 'queued', dueTime: SIMULATION_EPOCH + i },
          });
        }
        await store.commit(writes);
      }
      const loaded = Date.now();
      let found = 0;
      for (let i = 0; i < 50_000; i++) {
        const owner = `u${i % 1000}`;
        const [first] = await store.query({
          collection: 'jobs',
          where: [
            { field: 'owner', op: '==', value: owner },
            { field: 'state', op: '==', value: 'queued' },
          ],
          orderBy: [{ field: 'dueTime', direction: 'asc' }],
          limit: 1,
        });
        if (first) found += 1;
        await store.count({
          collection: 'jobs',
          where: [
            { field: 'state', op: '==', value: 'queued' },
            { field: 'dueTime', op: '<', value: SIMULATION_EPOCH + i },
          ],
        });
        if (i % 10 === 0)
          await store.commit([{ op: 'update', path: `jobs/j${String(i).padStart(6, '0')}`, data: { state: 'done' } }]);
      }
      const done = Date.now();
      console.log(
        `      100,000 documents in ${loaded - started} ms; 50,000 queries + 50,000 counts + 5,000 updates in ${done - loaded} ms`,
      );
      assert.ok(found > 0);
      assert.equal(store.stats.scans, 0);
      assert.equal(store.stats.skipped, 0);
    });
  });
});

/** A random value of any of the port's types, from a small set so that equal values are common. */
function randomValue(random: RandomSource): StoreValue {
  const pick = Math.floor(random() * 12);
  const small = Math.floor(random() * 4);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
    case 3:
    case 4:
      return small;
    case 5:
      return small + 0.5;
    case 6:
    case 7:
      return ['', 'a', 'b', 'ab'][small];
    case 8:
      return [small];
    case 9:
      return { k: small };
    default:
      return small - 2;
  }
}

function randomDocument(random: RandomSource): DocumentData {
  const data: Record<string, StoreValue> = {};
  for (const field of ['a', 'b', 'c']) if (random() < 0.85) data[field] = randomValue(random);
  return data;
}

const FILTER_OPS = ['==', '!=', '<', '<=', '>', '>=', 'in', 'not-in'] as const;

function randomFilter(random: RandomSource, field: string): Filter {
  const op = FILTER_OPS[Math.floor(random() * FILTER_OPS.length)];
  const nonNull = () => {
    for (;;) {
      const value = randomValue(random);
      if (value !== null) return value;
    }
  };
  if (op === 'in' || op === 'not-in') {
    return { field, op, value: Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomValue(random)) };
  }
  return { field, op, value: op === '==' || op === '!=' ? randomValue(random) : nonNull() };
}

/** A random query Firestore would take: at most one != or not-in, no not-in with in, a cursor on its orderBy. */
function randomQuery(random: RandomSource): Query {
  const fields = ['a', 'b', 'c', DOCUMENT_ID];
  const where: Filter[] = [];
  const count = Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const field = fields[Math.floor(random() * 3)];
    const filter = randomFilter(random, field);
    const negations = where.filter((f) => f.op === '!=' || f.op === 'not-in').length;
    if ((filter.op === '!=' || filter.op === 'not-in') && negations > 0) continue;
    if (filter.op === 'not-in' && where.some((f) => f.op === 'in')) continue;
    if (filter.op === 'in' && where.some((f) => f.op === 'not-in' || f.op === 'in')) continue;
    where.push(filter);
  }
  if (random() < 0.15) where.push({ field: DOCUMENT_ID, op: '>', value: `d${Math.floor(random() * 40)}` });
  const orderBy: Order[] = [];
  if (random() < 0.6) {
    const direction = random() < 0.5 ? 'asc' : 'desc';
    orderBy.push({ field: fields[Math.floor(random() * 3)], direction });
    if (random() < 0.3) {
      const second = fields[Math.floor(random() * 3)];
      if (second !== orderBy[0].field) orderBy.push({ field: second, direction: random() < 0.5 ? 'asc' : 'desc' });
    }
  }
  const query: { -readonly [K in keyof Query]: Query[K] } = { collection: 'docs', where, orderBy };
  if (orderBy.length > 0 && random() < 0.4) {
    const cursor = orderBy.slice(0, 1 + Math.floor(random() * orderBy.length)).map(() => randomValue(random));
    if (random() < 0.5) query.startAt = cursor;
    else query.startAfter = cursor;
  }
  if (random() < 0.5) query.limit = Math.floor(random() * 6);
  return query;
}

/** What a call answered: its value, or the code it failed with. */
async function outcome<T>(work: Promise<T>): Promise<T | string> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof StoreError) return `StoreError ${e.code}`;
    throw e;
  }
}

/**
 * Random documents in one collection of two stores, one with indexes and one that scans; random changes to both, and
 * after each a random query and count, which must answer the same on both.
 */
async function compareIndexesWithScan(seed: number, rounds: number): Promise<void> {
  const random = seededRandom(seed);
  const indexed = memoryStore({ indexes: true }).store;
  const scanning = memoryStore({ indexes: false }).store;
  const both = (writes: Write[]) => Promise.all([indexed.commit(writes), scanning.commit(writes)]);
  await both(
    Array.from({ length: 40 }, (_, i) => ({ op: 'create', path: `docs/d${i}`, data: randomDocument(random) })),
  );
  const queries = Array.from({ length: 12 }, () => randomQuery(random)); // repeated, so their indexes are kept up
  for (let round = 0; round < rounds; round++) {
    const path = `docs/d${Math.floor(random() * 45)}`;
    const change = random();
    const write: Write =
      change < 0.2
        ? { op: 'delete', path }
        : change < 0.6
          ? { op: 'set', path, data: randomDocument(random) }
          : {
              op: 'set',
              path,
              data: { [['a', 'b', 'c'][Math.floor(random() * 3)]]: randomValue(random) },
              merge: true,
            };
    await both([write]);
    const query = random() < 0.7 ? queries[Math.floor(random() * queries.length)] : randomQuery(random);
    const expected = await outcome(scanning.query(query));
    const actual = await outcome(indexed.query(query));
    const asIds = (answer: typeof expected) => (typeof answer === 'string' ? answer : answer.map((doc) => doc.id));
    assert.deepEqual(asIds(actual), asIds(expected), `round ${round}: ${JSON.stringify(query)}`);
    assert.deepEqual(
      await outcome(indexed.count(query)),
      await outcome(scanning.count(query)),
      `round ${round}: count ${JSON.stringify(query)}`,
    );
  }
  assert.ok(indexed.stats.indexes > 0 && indexed.stats.scans === 0);
  assert.ok(scanning.stats.scans > 0);
}

describe('FaultyDocumentStore', function () {
  function faulty() {
    const { store: inner } = memoryStore();
    return { inner, store: new FaultyDocumentStore(inner) };
  }
  const create = (path: string): Write[] => [{ op: 'create', path, data: { n: 1 } }];

  it('transient: fails with unavailable, and applies nothing', async function () {
    const { inner, store } = faulty();
    store.fail({ call: 'commit', fault: 'transient' });
    await rejectsWith('unavailable', store.commit(create('f/a')));
    assert.equal(inner.peek('f/a'), undefined);
    await store.commit(create('f/a'));
    assert.ok(inner.peek('f/a'), 'a rule fires once by default');
  });

  it('ambiguous: applies the commit, then fails with unavailable', async function () {
    const { inner, store } = faulty();
    store.fail({ call: 'commit', fault: 'ambiguous' });
    await rejectsWith('unavailable', store.commit(create('f/a')));
    assert.ok(inner.peek('f/a'));
  });

  it('permanent: invalid-argument for a commit, permission-denied for a read', async function () {
    const { inner, store } = faulty();
    store.fail({ call: 'commit', fault: 'permanent' }).fail({ call: 'get', fault: 'permanent' });
    await rejectsWith('invalid-argument', store.commit(create('f/a')));
    assert.equal(inner.peek('f/a'), undefined);
    await rejectsWith('permission-denied', store.get('f/a'));
  });

  it('hang: never answers, and a hanging commit is not applied', async function () {
    const { inner, store } = faulty();
    store.fail({ call: 'commit', fault: 'hang' }).fail({ call: 'query', fault: 'hang' });
    assert.equal(await settles(store.commit(create('f/a'))), false);
    assert.equal(inner.peek('f/a'), undefined);
    assert.equal(await settles(store.query({ collection: 'f' })), false);
    assert.equal(await settles(store.query({ collection: 'f' })), true);
  });

  it('fails the calls a rule matches only, by path, pattern or predicate, as many times as told, in order', async function () {
    const { store } = faulty();
    store
      .fail({ call: 'get', fault: 'transient', path: 'f/a', times: 2 })
      .fail({ call: 'getAll', fault: 'permanent', path: /^f\/b/ })
      .fail({ call: 'count', fault: 'transient', where: (call) => call.query?.where?.length === 1 })
      .fail({ call: 'get', fault: 'permanent' });
    await rejectsWith('unavailable', store.get('f/a'));
    await rejectsWith('unavailable', store.get('f/a'));
    // The catch-all rule, once the first ran out.
    await rejectsWith('permission-denied', store.get('f/a'));
    assert.equal(await store.get('f/a'), undefined);
    assert.deepEqual(await store.getAll(['f/c']), [undefined]);
    await rejectsWith('permission-denied', store.getAll(['f/c', 'f/b1']));
    assert.equal(await store.count({ collection: 'f' }), 0);
    await rejectsWith('unavailable', store.count({ collection: 'f', where: [{ field: 'n', op: '==', value: 1 }] }));
    assert.equal(store.pending, 0);
    assert.deepEqual(
      store.fired.map(({ call, fault, description }) => `${call} ${fault}: ${description}`),
      [
        'get transient: get f/a',
        'get transient: get f/a',
        'get permanent: get f/a',
        'getAll permanent: getAll f/c, f/b1',
        'count transient: count f',
      ],
    );
  });

  it('fails a listener through onError, after watch returned, and never calls onChange', async function () {
    const { store } = faulty();
    store.fail({ call: 'watch', fault: 'permanent', path: 'f/w' });
    const errors: Error[] = [];
    let changes = 0;
    store.watch(
      'f/w',
      () => (changes += 1),
      (e) => errors.push(e),
    );
    assert.equal(errors.length, 0);
    await turns(1);
    assert.equal(changes, 0);
    assert.ok(errors[0] instanceof StoreError && errors[0].code === 'permission-denied');
  });

  it('fails calls at random rates, reproducibly from a seed', async function () {
    const run = async (seed: number) => {
      const { inner, store } = faulty();
      store.randomFaults({
        random: seededRandom(seed),
        commitTransient: 0.2,
        commitAmbiguous: 0.2,
        commitAborted: 0.2,
      });
      const codes: string[] = [];
      for (let i = 0; i < 50; i++) {
        codes.push(String(await outcome(store.commit(create(`f/d${i}`)).then(() => 'ok'))));
      }
      return { codes, applied: inner.size, fired: store.fired.map((fired) => fired.fault) };
    };
    const first = await run(3);
    assert.deepEqual(await run(3), first);
    assert.ok(first.codes.includes('StoreError aborted') && first.codes.includes('StoreError unavailable'));
    const ambiguous = first.fired.filter((fault) => fault === 'ambiguous').length;
    const ok = first.codes.filter((code) => code === 'ok').length;
    assert.equal(first.applied, ok + ambiguous, 'applied: the answered commits and the ambiguous ones');
    const { store } = faulty();
    store.randomFaults({ random: () => 0, readTransient: 1 });
    await rejectsWith('unavailable', store.get('f/a'));
    store.randomFaults(undefined);
    assert.equal(await store.get('f/a'), undefined);
  });
});

describe('processStore', function () {
  function processOf() {
    const { clock, store: inner } = memoryStore();
    const process = clock.process();
    return { inner, process, store: processStore(inner, process) };
  }

  it('passes calls through while the process lives', async function () {
    const { inner, store } = processOf();
    await store.commit([{ op: 'create', path: 'p/a', data: { n: 1 } }]);
    assert.deepEqual((await store.get('p/a'))?.data, { n: 1 });
    assert.ok(inner.peek('p/a'));
    assert.match(store.newId(), /^[A-Za-z0-9]{20}$/);
  });

  it('never answers a call in flight at the kill; a commit already handed over may still land', async function () {
    const { inner, process, store } = processOf();
    const read = store.get('p/a');
    const commit = store.commit([{ op: 'create', path: 'p/a', data: { n: 1 } }]);
    process.kill();
    assert.equal(await settles(read), false);
    assert.equal(await settles(commit), false);
    assert.ok(inner.peek('p/a'), 'the commit was handed to the store before the kill');
  });

  it('never hands over a commit made after the kill, nor answers any call', async function () {
    const { inner, process, store } = processOf();
    process.kill();
    assert.equal(await settles(store.commit([{ op: 'create', path: 'p/a', data: { n: 1 } }])), false);
    assert.equal(inner.peek('p/a'), undefined);
    assert.equal(await settles(store.query({ collection: 'p' })), false);
  });

  it('stops its listeners at the kill', async function () {
    const { inner, process, store } = processOf();
    const seen: unknown[] = [];
    store.watch(
      'p/w',
      (doc) => seen.push(doc?.data.n),
      (e) => assert.fail(e),
    );
    await turns(1);
    await inner.commit([{ op: 'create', path: 'p/w', data: { n: 1 } }]);
    await turns(1);
    process.kill();
    await inner.commit([{ op: 'update', path: 'p/w', data: { n: 2 } }]);
    await turns(1);
    assert.deepEqual(seen, [undefined, 1]);
  });
});
