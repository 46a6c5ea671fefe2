/**
 * The DocumentStore conformance suite: what every implementation of the port must do, run on each of them (the
 * in-memory store in test/unit, the Firestore adapter on the emulator in test/emulator), so the store the core's
 * tests and the simulation run on cannot drift from Firestore. Where Firestore's behaviour is surprising, the suite
 * pins what the emulator does (a write that changes nothing keeps the version; a merging set merges maps deeply;
 * `in` never matches null; ordering by an inequality field comes before the id). Each test works in collections of
 * its own (`root`), so runs sharing one emulator database never see each other's documents.
 */
import assert from 'node:assert/strict';
import {
  deleteField,
  DOCUMENT_ID,
  increment,
  serverTime,
  StoreError,
  type DocumentData,
  type DocumentStore,
  type Query,
  type StoreErrorCode,
  type StoredDocument,
  type Write,
} from '../../library/src/core/ports/document-store';
import { recordMatching, recordWatch } from './watch-recording';

/** What one test of the suite runs on. */
export interface DocumentStoreSubject {
  store: DocumentStore;
  /** A prefix of collection names no other test uses. */
  root: string;
}

/** How the suite gets its subject, and what it allows of the implementation. */
export interface DocumentStoreTarget {
  /** Called before each test. */
  setUp(): DocumentStoreSubject | Promise<DocumentStoreSubject>;
  /**
   * How far a serverTime field may be from its commit's time, in ms: 0 for a store that writes the commit's time
   * (as Firestore does); the emulator takes the server time a few ms before it commits.
   */
  serverTimeSkewMs?: number;
}

/** Fails unless `work` fails with a StoreError of `code`. */
async function rejectsWith(code: StoreErrorCode, work: Promise<unknown>): Promise<void> {
  await assert.rejects(work, (e: unknown) => {
    assert.ok(e instanceof StoreError, `a StoreError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

const ids = (docs: readonly StoredDocument[]) => docs.map((doc) => doc.id);

/**
 * Values of one field `x` of every type the port has (and documents lacking it or holding null), in Firestore's
 * order: null, false, true, 1, 1.5, 2, 2, '', '1', [1], {y: 1}. Document `e` has no `x`.
 */
const MIXED: Record<string, DocumentData> = {
  a: { x: 1 },
  b: { x: 2 },
  c: { x: '1' },
  d: { x: null },
  e: { other: 1 },
  f: { x: true },
  g: { x: [1] },
  h: { x: { y: 1 } },
  i: { x: 2 },
  j: { x: false },
  k: { x: 1.5 },
  l: { x: '' },
};

/** Pairs (p, q) whose orders disagree, for queries with an inequality on one field and an order on another. */
const PAIRS: Record<string, DocumentData> = {
  d0: { p: 1, q: 5 },
  d1: { p: 2, q: 4 },
  d2: { p: 3, q: 3 },
  d3: { p: 1, q: 3 },
  d4: { p: 2, q: 2 },
};

/** Runs the suite on `target`, under `name`. */
export function documentStoreConformance(name: string, target: DocumentStoreTarget): void {
  describe(`DocumentStore conformance: ${name}`, function () {
    let store: DocumentStore;
    let root: string;

    beforeEach(async function () {
      ({ store, root } = await target.setUp());
    });

    /** A collection of the test's own. */
    const collection = (name: string) => `${root}-${name}`;

    async function create(path: string, data: DocumentData): Promise<string> {
      const { versions } = await store.commit([{ op: 'create', path, data }]);
      const version = versions[0];
      assert.ok(version !== undefined, 'a create has a version');
      return version;
    }

    /** Makes the documents of `docs` in a collection of the test's own; returns its path. */
    async function seed(name: string, docs: Record<string, DocumentData>): Promise<string> {
      const path = collection(name);
      await store.commit(
        Object.entries(docs).map(([id, data]): Write => ({ op: 'create', path: `${path}/${id}`, data })),
      );
      return path;
    }

    async function queryIds(query: Query): Promise<string[]> {
      return ids(await store.query(query));
    }

    describe('get and getAll', function () {
      it('answer undefined for a missing document', async function () {
        assert.equal(await store.get(`${collection('things')}/missing`), undefined);
        assert.deepEqual(await store.getAll([`${collection('things')}/missing`]), [undefined]);
      });

      it('answer a document with its path, id, fields and version', async function () {
        const path = `${collection('things')}/one`;
        const version = await create(path, {
          n: 1,
          s: 'text',
          flag: true,
          none: null,
          list: [1, 'a'],
          map: { k: 'v' },
        });
        const doc = await store.get(path);
        assert.deepEqual(doc, {
          path,
          id: 'one',
          data: { n: 1, s: 'text', flag: true, none: null, list: [1, 'a'], map: { k: 'v' } },
          version,
        });
        assert.equal(typeof doc?.version, 'string');
      });

      it('answer several documents in the order asked, undefined where missing, repeats included', async function () {
        const a = `${collection('things')}/a`;
        const b = `${collection('things')}/b`;
        await create(a, { n: 1 });
        await create(b, { n: 2 });
        const docs = await store.getAll([b, `${collection('things')}/none`, a, b]);
        assert.deepEqual(
          docs.map((doc) => doc?.data.n),
          [2, undefined, 1, 2],
        );
        assert.deepEqual(await store.getAll([]), []);
      });

      it('give a new version on every write that changes the document, the one the commit answered', async function () {
        const path = `${collection('things')}/versioned`;
        const seen = new Set<string>();
        const first = await create(path, { n: 0 });
        seen.add(first);
        for (let n = 1; n <= 3; n++) {
          const { versions } = await store.commit([{ op: 'update', path, data: { n } }]);
          const version = versions[0];
          assert.ok(version !== undefined && !seen.has(version), `write ${n} makes a new version`);
          assert.equal((await store.get(path))?.version, version);
          seen.add(version);
        }
      });

      it('keep the version of a document a write leaves as it was (as Firestore does)', async function () {
        const path = `${collection('things')}/same`;
        const version = await create(path, { n: 1, m: { k: 'v' } });
        const { versions } = await store.commit([{ op: 'set', path, data: { n: 1, m: { k: 'v' } } }]);
        assert.equal(versions[0], version);
        const updated = await store.commit([{ op: 'update', path, data: { n: 1 } }]);
        assert.equal(updated.versions[0], version);
        assert.equal((await store.get(path))?.version, version);
      });

      it('refuse a path that is not a document path', async function () {
        await rejectsWith('invalid-argument', store.get(collection('things')));
        await rejectsWith('invalid-argument', store.getAll([`${collection('things')}/a`, collection('things')]));
      });
    });

    describe('create', function () {
      it('fails with already-exists on a document that exists, which stays as it was', async function () {
        const path = `${collection('things')}/taken`;
        const version = await create(path, { n: 1 });
        await rejectsWith('already-exists', store.commit([{ op: 'create', path, data: { n: 2 } }]));
        assert.deepEqual(await store.get(path), { path, id: 'taken', data: { n: 1 }, version });
      });
    });

    describe('update', function () {
      it('fails with not-found on a missing document, and makes none', async function () {
        const path = `${collection('things')}/absent`;
        await rejectsWith('not-found', store.commit([{ op: 'update', path, data: { n: 1 } }]));
        assert.equal(await store.get(path), undefined);
      });

      it('changes the given fields only, and leaves the others', async function () {
        const path = `${collection('things')}/partial`;
        await create(path, { a: 1, b: 2 });
        await store.commit([{ op: 'update', path, data: { b: 3, c: 4 } }]);
        assert.deepEqual((await store.get(path))?.data, { a: 1, b: 3, c: 4 });
      });

      it('is made when fenced on the current version, and fails with failed-precondition on an old one', async function () {
        const path = `${collection('things')}/fenced`;
        const first = await create(path, { n: 1 });
        const { versions } = await store.commit([{ op: 'update', path, data: { n: 2 }, ifVersion: first }]);
        const second = versions[0];
        assert.ok(second !== undefined && second !== first);
        await rejectsWith(
          'failed-precondition',
          store.commit([{ op: 'update', path, data: { n: 3 }, ifVersion: first }]),
        );
        assert.deepEqual(await store.get(path), { path, id: 'fenced', data: { n: 2 }, version: second });
      });

      it('writes a dotted key inside a map, making the maps on the way, and leaves the map’s other fields', async function () {
        const path = `${collection('things')}/dotted`;
        await create(path, { waits: { a: 1, b: 2 }, plain: { x: 1 } });
        await store.commit([
          { op: 'update', path, data: { 'waits.c': 3, 'waits.a': deleteField(), 'deep.er.est': 'made' } },
        ]);
        assert.deepEqual((await store.get(path))?.data, {
          waits: { b: 2, c: 3 },
          plain: { x: 1 },
          deep: { er: { est: 'made' } },
        });
      });

      it('replaces a map whole under a plain key', async function () {
        const path = `${collection('things')}/whole`;
        await create(path, { waits: { a: 1, b: 2 } });
        await store.commit([{ op: 'update', path, data: { waits: { c: 3 } } }]);
        assert.deepEqual((await store.get(path))?.data, { waits: { c: 3 } });
      });

      it('deleting a dotted field whose map is missing changes nothing', async function () {
        const path = `${collection('things')}/nomap`;
        await create(path, { n: 1 });
        await store.commit([{ op: 'update', path, data: { 'waits.a': deleteField(), n: 2 } }]);
        assert.deepEqual((await store.get(path))?.data, { n: 2 });
      });

      it('refuses an update of no field, and of a field and a field inside it at once', async function () {
        const path = `${collection('things')}/bad-update`;
        await create(path, { m: { a: 1 } });
        await rejectsWith('invalid-argument', store.commit([{ op: 'update', path, data: {} }]));
        await rejectsWith(
          'invalid-argument',
          store.commit([{ op: 'update', path, data: { m: {}, 'm-b': 1, 'm.a': 2 } }]),
        );
        await rejectsWith('invalid-argument', store.commit([{ op: 'update', path, data: { 'm/a': 2 } }]));
        await rejectsWith('invalid-argument', store.commit([{ op: 'update', path, data: { 'm..a': 2 } }]));
        assert.deepEqual((await store.get(path))?.data, { m: { a: 1 } });
      });
    });

    describe('set', function () {
      it('without merge replaces the whole document, and makes a missing one', async function () {
        const path = `${collection('things')}/replaced`;
        await store.commit([{ op: 'set', path, data: { a: 1, b: 2 } }]);
        assert.deepEqual((await store.get(path))?.data, { a: 1, b: 2 });
        await store.commit([{ op: 'set', path, data: { c: 3 } }]);
        assert.deepEqual((await store.get(path))?.data, { c: 3 });
      });

      it('with merge writes the given fields and leaves the others, and makes a missing document', async function () {
        const path = `${collection('things')}/merged`;
        await store.commit([{ op: 'set', path, data: { a: 1 }, merge: true }]);
        assert.deepEqual((await store.get(path))?.data, { a: 1 });
        await store.commit([{ op: 'set', path, data: { b: 2, a: deleteField() }, merge: true }]);
        assert.deepEqual((await store.get(path))?.data, { b: 2 });
      });

      it('with merge merges maps field by field, and an empty map replaces one (as Firestore does)', async function () {
        const path = `${collection('things')}/deep-merge`;
        await create(path, { m: { a: 1, b: { c: 2, d: 3 } }, e: { f: 1 } });
        await store.commit([{ op: 'set', path, data: { m: { b: { d: 4 }, g: 5 }, e: {} }, merge: true }]);
        assert.deepEqual((await store.get(path))?.data, { m: { a: 1, b: { c: 2, d: 4 }, g: 5 }, e: {} });
      });

      it('takes a dotted key as a plain field name', async function () {
        const path = `${collection('things')}/literal`;
        await store.commit([{ op: 'set', path, data: { 'a.b': 1 } }]);
        assert.deepEqual((await store.get(path))?.data, { 'a.b': 1 });
      });
    });

    describe('delete', function () {
      it('of a missing document succeeds', async function () {
        const { versions } = await store.commit([{ op: 'delete', path: `${collection('things')}/never` }]);
        assert.deepEqual(versions, [undefined]);
      });

      it('fenced on the current version is made; on an old one or a gone document fails with failed-precondition', async function () {
        const path = `${collection('things')}/deleted`;
        const first = await create(path, { n: 1 });
        const { versions } = await store.commit([{ op: 'update', path, data: { n: 2 } }]);
        const second = versions[0];
        assert.ok(second !== undefined);
        await rejectsWith('failed-precondition', store.commit([{ op: 'delete', path, ifVersion: first }]));
        assert.ok(await store.get(path), 'a failed delete leaves the document');
        await store.commit([{ op: 'delete', path, ifVersion: second }]);
        assert.equal(await store.get(path), undefined);
        await rejectsWith('failed-precondition', store.commit([{ op: 'delete', path, ifVersion: second }]));
      });
    });

    describe('commit', function () {
      it('applies nothing when one precondition fails', async function () {
        const made = `${collection('things')}/would-be`;
        const kept = `${collection('things')}/kept`;
        const taken = `${collection('things')}/exists`;
        const version = await create(kept, { n: 1 });
        await create(taken, { n: 1 });
        await rejectsWith(
          'already-exists',
          store.commit([
            { op: 'create', path: made, data: { n: 1 } },
            { op: 'update', path: kept, data: { n: 2 } },
            { op: 'create', path: taken, data: { n: 2 } },
          ]),
        );
        assert.equal(await store.get(made), undefined);
        assert.deepEqual(await store.get(kept), { path: kept, id: 'kept', data: { n: 1 }, version });
      });

      it('answers a version per write, the one each document now has, and undefined for a delete', async function () {
        const a = `${collection('things')}/a`;
        const b = `${collection('things')}/b`;
        await create(b, { n: 1 });
        const { versions } = await store.commit([
          { op: 'create', path: a, data: { n: 1 } },
          { op: 'delete', path: b },
        ]);
        assert.equal(versions.length, 2);
        assert.equal(versions[0], (await store.get(a))?.version);
        assert.equal(versions[1], undefined);
      });

      it('lets a write see the writes before it in the same commit', async function () {
        const path = `${collection('things')}/twice`;
        await store.commit([
          { op: 'create', path, data: { a: 1 } },
          { op: 'update', path, data: { b: 2 } },
        ]);
        assert.deepEqual((await store.get(path))?.data, { a: 1, b: 2 });
      });

      it('refuses an empty commit', async function () {
        await rejectsWith('invalid-argument', store.commit([]));
      });

      it('applies more than 500 writes at once (Firestore has had no limit on the count since March 2023)', async function () {
        const path = collection('many');
        const writes: Write[] = Array.from({ length: 501 }, (_, i) => ({
          op: 'create',
          path: `${path}/d${String(i).padStart(3, '0')}`,
          data: { i },
        }));
        const { versions } = await store.commit(writes);
        assert.equal(versions.length, 501);
        assert.equal(await store.count({ collection: path }), 501);
      });

      it('refuses a value Firestore cannot store, and applies nothing of the commit', async function () {
        const good = `${collection('things')}/good`;
        const bad = `${collection('things')}/bad`;
        class Custom {
          readonly n = 1;
        }
        const refused: unknown[] = [undefined, () => 1, new Custom(), [[1]]];
        for (const value of refused) {
          await rejectsWith(
            'invalid-argument',
            store.commit([
              { op: 'create', path: good, data: { n: 1 } },
              { op: 'create', path: bad, data: { value } },
            ]),
          );
        }
        await rejectsWith('invalid-argument', store.commit([{ op: 'create', path: bad, data: { __reserved__: 1 } }]));
        await rejectsWith('invalid-argument', store.commit([{ op: 'create', path: bad, data: { n: deleteField() } }]));
        assert.deepEqual(await store.getAll([good, bad]), [undefined, undefined]);
      });

      it('refuses a document over 1 MiB', async function () {
        const path = `${collection('things')}/huge`;
        const half = 'x'.repeat(600_000);
        await rejectsWith('invalid-argument', store.commit([{ op: 'create', path, data: { a: half, b: half } }]));
        assert.equal(await store.get(path), undefined);
        await create(path, { a: half });
      });

      it('refuses a write to a path that is not a document path', async function () {
        await rejectsWith('invalid-argument', store.commit([{ op: 'create', path: collection('things'), data: {} }]));
      });
    });

    describe('transforms', function () {
      it('serverTime writes the commit’s time, a number', async function () {
        const path = `${collection('things')}/stamped`;
        const { time } = await store.commit([{ op: 'create', path, data: { at: serverTime(), n: 1 } }]);
        assert.equal(typeof time, 'number');
        const at = (await store.get(path))?.data.at;
        assert.ok(typeof at === 'number', 'a serverTime reads as a number');
        assert.ok(Math.abs(at - time) <= (target.serverTimeSkewMs ?? 0), `${at} is ${time}`);
        await store.commit([{ op: 'update', path, data: { 'map.at': serverTime() } }]);
        const inMap = (await store.get(path))?.data.map;
        assert.equal(typeof (inMap as { at?: unknown } | undefined)?.at, 'number', 'a serverTime inside a map');
      });

      it('increment adds to a number, and counts a missing field as 0', async function () {
        const path = `${collection('things')}/counted`;
        await create(path, { n: 5 });
        await store.commit([{ op: 'update', path, data: { n: increment(2), m: increment(-3) } }]);
        assert.deepEqual((await store.get(path))?.data, { n: 7, m: -3 });
        await store.commit([{ op: 'set', path, data: { n: increment(1) }, merge: true }]);
        assert.deepEqual((await store.get(path))?.data, { n: 8, m: -3 });
      });

      it('delete removes a field', async function () {
        const path = `${collection('things')}/pruned`;
        await create(path, { a: 1, b: 2 });
        await store.commit([{ op: 'update', path, data: { a: deleteField() } }]);
        assert.deepEqual((await store.get(path))?.data, { b: 2 });
      });
    });

    describe('query', function () {
      it('== matches equal values of the same type only; a missing field never matches', async function () {
        const path = await seed('mixed', MIXED);
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'x', op: '==', value: 1 }] }), ['a']);
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'x', op: '==', value: '1' }] }), ['c']);
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'x', op: '==', value: null }] }), ['d']);
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'x', op: '==', value: 2 }] }), ['b', 'i']);
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'x', op: '==', value: { y: 1 } }] }), [
          'h',
        ]);
      });

      it('!= never matches a missing field or null, and orders by its field', async function () {
        const path = await seed('mixed', MIXED);
        const notOne = await queryIds({ collection: path, where: [{ field: 'x', op: '!=', value: 1 }] });
        assert.deepEqual(notOne, ['j', 'f', 'k', 'b', 'i', 'l', 'c', 'g', 'h']);
        const notNull = await queryIds({ collection: path, where: [{ field: 'x', op: '!=', value: null }] });
        assert.deepEqual(notNull, ['j', 'f', 'a', 'k', 'b', 'i', 'l', 'c', 'g', 'h']);
      });

      it('a range matches values of its value’s type only', async function () {
        const path = await seed('mixed', MIXED);
        const where = (op: '<' | '<=' | '>' | '>=', value: number | string | boolean | number[] | object) =>
          queryIds({ collection: path, where: [{ field: 'x', op, value: value as never }] });
        assert.deepEqual(await where('<', 2), ['a', 'k']);
        assert.deepEqual(await where('<=', 2), ['a', 'k', 'b', 'i']);
        assert.deepEqual(await where('>', 0), ['a', 'k', 'b', 'i']);
        assert.deepEqual(await where('>=', 1.5), ['k', 'b', 'i']);
        assert.deepEqual(await where('>=', ''), ['l', 'c']);
        assert.deepEqual(await where('>', ''), ['c']);
        assert.deepEqual(await where('<', true), ['j']);
        assert.deepEqual(await where('<', [2]), ['g']);
        assert.deepEqual(await where('>', {}), ['h']);
      });

      it('two ranges on one field make an interval', async function () {
        const path = await seed('mixed', MIXED);
        const between = await queryIds({
          collection: path,
          where: [
            { field: 'x', op: '>', value: 1 },
            { field: 'x', op: '<=', value: 2 },
          ],
        });
        assert.deepEqual(between, ['k', 'b', 'i']);
      });

      it('in matches any of its values (never null); not-in none of them, nor a missing field or null', async function () {
        const path = await seed('mixed', MIXED);
        const within = (value: (number | string | null)[]) =>
          queryIds({ collection: path, where: [{ field: 'x', op: 'in', value }] });
        assert.deepEqual(await within([1, '1']), ['a', 'c']);
        assert.deepEqual(await within([2, 1]), ['a', 'b', 'i']);
        assert.deepEqual(await within([1, null]), ['a']);
        const notIn = await queryIds({ collection: path, where: [{ field: 'x', op: 'not-in', value: [1, '1'] }] });
        assert.deepEqual(notIn, ['j', 'f', 'k', 'b', 'i', 'l', 'g', 'h']);
        const withNull = await queryIds({ collection: path, where: [{ field: 'x', op: 'not-in', value: [1, null] }] });
        assert.deepEqual(withNull, []);
      });

      it('orders values across types as Firestore does, the id breaking ties, and leaves out documents lacking the field', async function () {
        const path = await seed('mixed', MIXED);
        const ascending = ['d', 'j', 'f', 'a', 'k', 'b', 'i', 'l', 'c', 'g', 'h'];
        assert.deepEqual(await queryIds({ collection: path, orderBy: [{ field: 'x', direction: 'asc' }] }), ascending);
        assert.deepEqual(
          await queryIds({ collection: path, orderBy: [{ field: 'x', direction: 'desc' }] }),
          [...ascending].reverse(),
        );
      });

      it('without an order answers by id', async function () {
        const path = await seed('mixed', MIXED);
        assert.deepEqual(await queryIds({ collection: path }), Object.keys(MIXED).sort());
      });

      it('orders by the orderBy, then the inequality fields, then the id, each the way of the last orderBy', async function () {
        const path = await seed('pairs', PAIRS);
        const positive = [{ field: 'p', op: '>' as const, value: 0 }];
        assert.deepEqual(
          await queryIds({ collection: path, where: positive, orderBy: [{ field: 'q', direction: 'asc' }] }),
          ['d4', 'd3', 'd2', 'd1', 'd0'],
        );
        assert.deepEqual(
          await queryIds({ collection: path, where: positive, orderBy: [{ field: 'q', direction: 'desc' }] }),
          ['d0', 'd1', 'd2', 'd3', 'd4'],
        );
        assert.deepEqual(
          await queryIds({ collection: path, where: [...positive, { field: 'q', op: '>', value: 0 }] }),
          ['d3', 'd0', 'd4', 'd1', 'd2'],
        );
        assert.deepEqual(await queryIds({ collection: path, where: [{ field: 'p', op: '!=', value: 2 }] }), [
          'd0',
          'd3',
          'd2',
        ]);
        assert.deepEqual(
          await queryIds({
            collection: path,
            where: [{ field: 'p', op: '!=', value: 2 }],
            orderBy: [{ field: 'q', direction: 'asc' }],
          }),
          ['d3', 'd2', 'd0'],
        );
      });

      it('filters, orders and pages on the document id', async function () {
        const path = await seed('mixed', MIXED);
        const byId = (op: '==' | '>' | 'in', value: string | string[]) =>
          queryIds({ collection: path, where: [{ field: DOCUMENT_ID, op, value }] });
        assert.deepEqual(await byId('==', 'a'), ['a']);
        assert.deepEqual(await byId('>', 'h'), ['i', 'j', 'k', 'l']);
        assert.deepEqual(await byId('in', ['k', 'zz', 'c']), ['c', 'k']);
        assert.deepEqual(
          await queryIds({ collection: path, orderBy: [{ field: DOCUMENT_ID, direction: 'asc' }], startAfter: ['j'] }),
          ['k', 'l'],
        );
        const pairs = await seed('pairs', PAIRS);
        assert.deepEqual(
          await queryIds({
            collection: pairs,
            orderBy: [
              { field: 'p', direction: 'asc' },
              { field: DOCUMENT_ID, direction: 'asc' },
            ],
            startAfter: [1, 'd0'],
          }),
          ['d3', 'd1', 'd4', 'd2'],
        );
      });

      it('starts at or after a cursor on the order’s values, a shorter cursor comparing its fields only', async function () {
        const path = await seed('mixed', MIXED);
        const ascending = [{ field: 'x', direction: 'asc' as const }];
        assert.deepEqual(await queryIds({ collection: path, orderBy: ascending, startAt: [1] }), [
          'a',
          'k',
          'b',
          'i',
          'l',
          'c',
          'g',
          'h',
        ]);
        assert.deepEqual(await queryIds({ collection: path, orderBy: ascending, startAfter: [1] }), [
          'k',
          'b',
          'i',
          'l',
          'c',
          'g',
          'h',
        ]);
        assert.deepEqual(
          await queryIds({ collection: path, orderBy: [{ field: 'x', direction: 'desc' }], startAfter: [2] }),
          ['k', 'a', 'f', 'j', 'd'],
        );
        const pairs = await seed('pairs', PAIRS);
        const both = [
          { field: 'p', direction: 'asc' as const },
          { field: 'q', direction: 'asc' as const },
        ];
        assert.deepEqual(await queryIds({ collection: pairs, orderBy: both, startAt: [2] }), ['d4', 'd1', 'd2']);
        assert.deepEqual(await queryIds({ collection: pairs, orderBy: both, startAfter: [1, 3] }), [
          'd0',
          'd4',
          'd1',
          'd2',
        ]);
      });

      it('answers at most its limit', async function () {
        const path = await seed('mixed', MIXED);
        const ascending = [{ field: 'x', direction: 'asc' as const }];
        assert.deepEqual(await queryIds({ collection: path, orderBy: ascending, limit: 3 }), ['d', 'j', 'f']);
        assert.deepEqual(
          await queryIds({ collection: path, where: [{ field: 'x', op: 'in', value: [2, 1] }], limit: 2 }),
          ['a', 'b'],
        );
      });

      it('select answers only the given fields, with the version', async function () {
        const path = collection('selected');
        const version = await create(`${path}/s`, { a: 1, b: 2, m: { c: 3, d: 4 } });
        const [doc] = await store.query({ collection: path, select: ['a', 'm.c', 'missing'] });
        assert.deepEqual(doc, { path: `${path}/s`, id: 's', data: { a: 1, m: { c: 3 } }, version });
      });

      it('reads the documents of its collection only, not of collections below or beside it', async function () {
        const outer = collection('outer');
        await create(`${outer}/o1`, { n: 1 });
        await create(`${outer}/o1/inner/a`, { n: 1 });
        await create(`${outer}/o2/inner/b`, { n: 1 });
        await create(`${outer}-not/o3`, { n: 1 });
        assert.deepEqual(await queryIds({ collection: outer }), ['o1']);
        assert.deepEqual(await queryIds({ collection: `${outer}/o1/inner` }), ['a']);
        assert.deepEqual(await queryIds({ collection: outer, where: [{ field: 'n', op: '==', value: 1 }] }), ['o1']);
      });

      it('refuses what Firestore refuses', async function () {
        const path = await seed('pairs', PAIRS);
        const refused: Query[] = [
          { collection: path, where: [{ field: 'p', op: 'in', value: [] }] },
          { collection: path, where: [{ field: 'p', op: 'in', value: Array.from({ length: 31 }, (_, i) => i) }] },
          { collection: path, where: [{ field: 'p', op: 'not-in', value: Array.from({ length: 11 }, (_, i) => i) }] },
          {
            collection: path,
            where: [
              { field: 'p', op: '!=', value: 1 },
              { field: 'q', op: '!=', value: 1 },
            ],
          },
          {
            collection: path,
            where: [
              { field: 'p', op: 'not-in', value: [1] },
              { field: 'q', op: 'in', value: [1] },
            ],
          },
          { collection: path, where: [{ field: 'p', op: '>', value: null }] },
          { collection: path, orderBy: [{ field: 'p', direction: 'asc' }], startAt: [1, 2] },
          { collection: path, startAt: [1] },
          {
            collection: path,
            where: [{ field: 'p', op: '>', value: 0 }],
            orderBy: [{ field: DOCUMENT_ID, direction: 'asc' }],
          },
          { collection: path, orderBy: [{ field: 'p', direction: 'asc' }], startAt: [1], startAfter: [1] },
          { collection: path, limit: -1 },
          { collection: path, where: [{ field: 'p~', op: '==', value: 1 }] },
          { collection: path, orderBy: [{ field: 'p..q', direction: 'asc' }] },
        ];
        // All at once: the emulator takes seconds to refuse each one.
        await Promise.all(
          refused.map((query) =>
            assert.rejects(
              store.query(query),
              (e: unknown) => e instanceof StoreError && e.code === 'invalid-argument',
              JSON.stringify(query),
            ),
          ),
        );
      });
    });

    describe('count', function () {
      it('counts what the filters match, ignoring the order, cursor and limit', async function () {
        const path = await seed('mixed', MIXED);
        assert.equal(await store.count({ collection: path }), 12);
        assert.equal(await store.count({ collection: path, where: [{ field: 'x', op: '==', value: 2 }] }), 2);
        assert.equal(await store.count({ collection: path, where: [{ field: 'x', op: '>', value: 0 }] }), 4);
        assert.equal(await store.count({ collection: path, where: [{ field: 'x', op: '!=', value: 1 }] }), 9);
        assert.equal(await store.count({ collection: path, where: [{ field: 'x', op: 'in', value: [2, '1'] }] }), 3);
        assert.equal(
          await store.count({
            collection: path,
            where: [{ field: 'x', op: '>', value: 0 }],
            orderBy: [{ field: 'x', direction: 'desc' }],
            startAfter: [2],
            limit: 1,
          }),
          4,
        );
        assert.equal(await store.count({ collection: `${path}-empty` }), 0);
      });
    });

    describe('time fields', function () {
      it('round-trip as numbers, and order and filter by range', async function () {
        const path = collection('timed');
        const base = Date.UTC(2025, 0, 1);
        await store.commit(
          [3, 1, 2].map((k): Write => ({ op: 'create', path: `${path}/t${k}`, data: { dueTime: base + k * 1000, k } })),
        );
        assert.deepEqual((await store.get(`${path}/t1`))?.data, { dueTime: base + 1000, k: 1 });
        const due = await store.query({
          collection: path,
          where: [{ field: 'dueTime', op: '<=', value: base + 2000 }],
          orderBy: [{ field: 'dueTime', direction: 'asc' }],
        });
        assert.deepEqual(
          due.map((doc) => doc.data.dueTime),
          [base + 1000, base + 2000],
        );
        const after = await store.query({
          collection: path,
          orderBy: [{ field: 'dueTime', direction: 'asc' }],
          startAfter: [base + 1000],
        });
        assert.deepEqual(ids(after), ['t2', 't3']);
        assert.equal(await store.count({ collection: path, where: [{ field: 'dueTime', op: '>', value: base }] }), 3);
      });
    });

    describe('watch', function () {
      it('calls back after it returned with the document as it is, then each change in order, undefined once deleted', async function () {
        const path = `${collection('watched')}/w`;
        const recording = recordWatch(store, path);
        try {
          assert.equal(recording.calledBeforeReturn, false);
          await recording.until(1, 'the first snapshot');
          assert.equal(recording.seen[0], undefined);
          await create(path, { n: 0 });
          await recording.until(2, 'the create');
          for (let n = 1; n <= 3; n++) {
            await store.commit([{ op: 'update', path, data: { n } }]);
            await recording.until(2 + n, `update ${n}`);
          }
          await store.commit([{ op: 'delete', path }]);
          await recording.until(6, 'the delete');
          assert.deepEqual(
            recording.seen.map((doc) => doc?.data.n),
            [undefined, 0, 1, 2, 3, undefined],
          );
          const versions = recording.seen.slice(1, 5).map((doc) => doc?.version);
          assert.equal(new Set(versions).size, 4, 'each change comes with its own version');
        } finally {
          recording.stop();
        }
      });

      it('starts with an existing document as it is, with its version', async function () {
        const path = `${collection('watched')}/existing`;
        const version = await create(path, { n: 1 });
        const recording = recordWatch(store, path);
        try {
          await recording.until(1, 'the first snapshot');
          assert.deepEqual(recording.seen[0], { path, id: 'existing', data: { n: 1 }, version });
        } finally {
          recording.stop();
        }
      });

      it('stops calling back once unsubscribed', async function () {
        const path = `${collection('watched')}/stopped`;
        await create(path, { n: 0 });
        const stopped = recordWatch(store, path);
        const going = recordWatch(store, path);
        try {
          await stopped.until(1, 'the first snapshot');
          await going.until(1, 'the first snapshot');
          stopped.stop();
          await store.commit([{ op: 'update', path, data: { n: 1 } }]);
          await going.until(2, 'the update');
          assert.equal(stopped.seen.length, 1);
        } finally {
          going.stop();
        }
      });
    });

    describe('watchMatching', function () {
      const flagged = [{ field: 'flag', op: '==', value: true }] as const;

      it('calls back after it returned, when the document comes to match and at each change while it does, never while it does not', async function () {
        const path = `${collection('matching')}/m`;
        const recording = recordMatching(store, path, flagged);
        try {
          assert.equal(recording.calledBeforeReturn, false);
          await create(path, { flag: false, n: 0 });
          await store.commit([{ op: 'update', path, data: { n: 1 } }]);
          await store.commit([{ op: 'update', path, data: { flag: true, n: 2 } }]);
          await recording.until(1, 'the change that made it match');
          await store.commit([{ op: 'update', path, data: { n: 3 } }]);
          await recording.until(2, 'a change while it matches');
          await store.commit([{ op: 'update', path, data: { flag: false, n: 4 } }]);
          await store.commit([{ op: 'update', path, data: { n: 5 } }]);
          await store.commit([{ op: 'update', path, data: { flag: true, n: 6 } }]);
          await recording.until(3, 'the change that made it match again');
          // Listeners hear changes in order: what came before n = 6 and is not here was never sent.
          assert.deepEqual(
            recording.seen.map((doc) => doc?.data.n),
            [2, 3, 6],
          );
          const last = recording.seen[2];
          assert.deepEqual(last?.data, { flag: true, n: 6 });
          assert.equal(last?.path, path);
          assert.equal(last?.id, 'm');
        } finally {
          recording.stop();
        }
      });

      it('starts with a document that matches already, with its version', async function () {
        const path = `${collection('matching')}/already`;
        const version = await create(path, { flag: true });
        const recording = recordMatching(store, path, flagged);
        try {
          await recording.until(1, 'the first snapshot');
          assert.deepEqual(recording.seen[0], { path, id: 'already', data: { flag: true }, version });
        } finally {
          recording.stop();
        }
      });

      it('follows only its own document, not another of its collection that matches', async function () {
        const path = `${collection('matching')}/mine`;
        const recording = recordMatching(store, path, flagged);
        try {
          await create(`${collection('matching')}/other`, { flag: true });
          await create(path, { flag: true, n: 1 });
          await recording.until(1, 'its own document');
          assert.deepEqual(
            recording.seen.map((doc) => doc?.id),
            ['mine'],
          );
        } finally {
          recording.stop();
        }
      });
    });

    describe('newId', function () {
      it('makes 20 characters of [A-Za-z0-9], a new one each time', function () {
        const made = Array.from({ length: 50 }, () => store.newId());
        for (const id of made) assert.match(id, /^[A-Za-z0-9]{20}$/);
        assert.equal(new Set(made).size, made.length);
      });
    });
  });
}
