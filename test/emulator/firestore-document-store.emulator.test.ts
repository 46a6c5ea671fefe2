/**
 * The Firestore document store against the real Firestore emulator, through the DocumentStore conformance suite
 * (the suite the in-memory store passes too, in test/unit): the same calls give the same answers on both. Each test
 * works in collections named after a new uuid, so it never sees another test's documents in the shared database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FirestoreDocumentStore } from '../../library/src/adapters/firestore/firestore-document-store';
import { adminFirestore } from '../helpers/admin';
import { documentStoreConformance } from '../store/document-store.conformance';

/** The fields the suite writes as times: stored as Timestamps, read back as epoch ms. */
const TIME_FIELDS = new Set(['dueTime']);

documentStoreConformance('Firestore (emulator)', {
  setUp: () => ({
    store: new FirestoreDocumentStore(adminFirestore(), TIME_FIELDS),
    root: `conformance-${randomUUID()}`,
  }),
  // The emulator takes a serverTime a few ms before the commit's time; Firestore writes the commit's time itself.
  serverTimeSkewMs: 1000,
});

describe('FirestoreDocumentStore, beyond the suite', function () {
  it('answers the commit’s own time when its first write changes nothing', async function () {
    const store = new FirestoreDocumentStore(adminFirestore(), TIME_FIELDS);
    const root = `adapter-${randomUUID()}`;
    const same = `${root}/same`;
    const other = `${root}/other`;
    const first = await store.commit([{ op: 'create', path: same, data: { n: 1 } }]);
    const second = await store.commit([{ op: 'create', path: other, data: { n: 1 } }]);
    // A write that changes nothing answers the document's old update time (first.time); the commit is later.
    const third = await store.commit([
      { op: 'set', path: same, data: { n: 1 } },
      { op: 'update', path: other, data: { n: 2 } },
    ]);
    assert.ok(first.time < second.time, 'commits get later times');
    assert.ok(third.time > second.time, `the commit's time ${third.time} is after ${second.time}`);
    assert.equal(third.versions[0], first.versions[0], 'the write that changed nothing keeps its version');
  });
});
