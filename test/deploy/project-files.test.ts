/**
 * This project's own app is laid out as an app that adopts async-jobs: firestore.rules and firestore.indexes.json at
 * the top level, as the design card has them, holding what the library ships (its rules block merged whole, its
 * indexes and TTL policies), and firebase.json deploying those files.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentsBlock } from '../helpers/rules-block';

const root = join(__dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

describe('the project’s own app files', () => {
  it("merges the library's security rules whole in the top-level firestore.rules", () => {
    const library = documentsBlock(read('library', 'firestore', 'firestore.rules'));
    assert.ok(library.includes('match /jobs/{jobId}'), 'the library block has the jobs rule');
    assert.ok(documentsBlock(read('firestore.rules')).includes(library), "the library's block, unchanged");
  });

  it("deploys the library's indexes and TTL policies from the top-level firestore.indexes.json", () => {
    assert.deepEqual(
      JSON.parse(read('firestore.indexes.json')),
      JSON.parse(read('library', 'firestore', 'firestore.indexes.json')),
    );
  });

  it('firebase.json deploys the top-level rules and indexes (the emulator suites’ variants are made from it)', () => {
    const { firestore } = JSON.parse(read('firebase.json')) as { firestore: { rules: string; indexes: string } };
    assert.deepEqual(firestore, { rules: 'firestore.rules', indexes: 'firestore.indexes.json' });
  });

  it('names in functions/.env only files that exist', () => {
    const named = read('functions', '.env').match(/[\w./-]+\/[\w.-]+\.(?:ts|json|md)/g) ?? [];
    for (const path of named) assert.ok(existsSync(join(root, path)), `functions/.env names ${path}`);
  });
});
