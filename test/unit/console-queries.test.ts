/**
 * The operator console's queries are bounded and indexed: each shape it runs on `jobs` (web/src/admin/
 * console-queries.ts, from which console-store.ts builds the queries) is a count or has a limit, and a composite
 * index the library ships serves it exactly, its equality fields first and then its ordered field in the same
 * direction, so no query scans the collection and none fails in production for want of an index (the emulator does
 * not check indexes). The project's and the example app's index files are the library's (test/deploy checks).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_QUERIES, type QueryShape } from '../../web/src/admin/console-queries';

interface IndexField {
  fieldPath: string;
  order: 'ASCENDING' | 'DESCENDING';
}
interface CompositeIndex {
  collectionGroup: string;
  queryScope: string;
  fields: IndexField[];
}

const indexes = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'library', 'firestore', 'firestore.indexes.json'), 'utf8')) as {
    indexes: CompositeIndex[];
  }
).indexes;

/** Whether `index` serves `shape`: its equality fields in any order, then exactly the shape's ordered field. */
function serves(index: CompositeIndex, shape: QueryShape): boolean {
  if (index.collectionGroup !== 'jobs' || index.queryScope !== 'COLLECTION') return false;
  const expectedLength = shape.equality.length + (shape.orderBy ? 1 : 0);
  if (index.fields.length !== expectedLength) return false;
  const equality = index.fields.slice(0, shape.equality.length).map((f) => f.fieldPath);
  if ([...equality].sort().join() !== [...shape.equality].sort().join()) return false;
  if (!shape.orderBy) return true;
  const ordered = index.fields[shape.equality.length];
  const order = shape.orderBy.direction === 'asc' ? 'ASCENDING' : 'DESCENDING';
  return ordered?.fieldPath === shape.orderBy.field && ordered.order === order;
}

describe('operator console queries', () => {
  for (const [name, shape] of Object.entries(CONSOLE_QUERIES)) {
    it(`${name} is bounded and served by a shipped composite index`, () => {
      assert.ok(shape.bound === 'count' || (Number.isInteger(shape.bound) && shape.bound <= 100), 'bounded');
      const matching = indexes.filter((index) => serves(index, shape));
      assert.equal(matching.length, 1, `one index of jobs on ${JSON.stringify(shape)}`);
    });
  }

  it('tells an index that does not serve a shape (the check can fail)', () => {
    const shape: QueryShape = { equality: ['state'], orderBy: { field: 'doneTime', direction: 'asc' }, bound: 1 };
    assert.equal(
      indexes.some((index) => serves(index, shape)),
      false,
      'state, doneTime ASC is not shipped: only DESC is',
    );
  });
});
