/**
 * The deployed functions carry the protocol and nothing of its test bench: the bundle `firebase deploy` uploads
 * (functions/lib/index.js) is built from no file of library/src/testing (the in-memory store, faults, simulated
 * time) nor of sim/ (the models of Firestore, Pub/Sub and Cloud Run). Needs the built bundle (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const lib = join(root, 'functions', 'lib');

describe('the deployed bundle', () => {
  it('is built from no testing or simulation source', () => {
    const mapPath = join(lib, 'index.js.map');
    assert.ok(
      existsSync(mapPath),
      'functions/lib/index.js.map is missing: run `npm run build` first (`npm test` does)',
    );
    const map = JSON.parse(readFileSync(mapPath, 'utf8')) as { sources: string[] };
    const sources = map.sources.map((source) => resolve(lib, source));
    assert.ok(
      sources.includes(join(root, 'library', 'src', 'core', 'protocol', 'create-jobs.ts')),
      'the protocol is in',
    );
    const testing = sources.filter((source) => source.startsWith(join(root, 'library', 'src', 'testing')));
    const simulation = sources.filter((source) => source.startsWith(join(root, 'sim')));
    assert.deepEqual([...testing, ...simulation], []);
    const bundle = readFileSync(join(lib, 'index.js'), 'utf8');
    for (const name of ['MemoryDocumentStore', 'FaultyDocumentStore', 'SimulatedClock', 'FirestoreModel']) {
      assert.ok(!bundle.includes(name), `the bundle names ${name}`);
    }
  });
});
