/**
 * The example app (examples/word-count) against the packages it installs: what it copied from them (the security
 * rules block, the indexes, the params) is what they ship now, and it installs the tarballs `npm pack` writes for
 * their current versions. Its own behaviour is its own test, run on the emulator suite by `npm run example`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentsBlock } from '../helpers/rules-block';

const root = join(__dirname, '..', '..');
const example = join(root, 'examples', 'word-count');
const read = (...path: string[]) => readFileSync(join(...path), 'utf8');
const json = <T>(...path: string[]) => JSON.parse(read(...path)) as T;

/** The param names an .env file sets. */
function envKeys(path: string): string[] {
  return read(path)
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.slice(0, line.indexOf('=')))
    .sort();
}

describe('the example app (examples/word-count)', () => {
  it("merges the library's security rules whole beside its own", () => {
    const library = documentsBlock(read(root, 'library', 'firestore', 'firestore.rules'));
    const app = documentsBlock(read(example, 'firestore.rules'));
    assert.ok(library.includes('match /jobs/{jobId}'), 'the library block has the jobs rule');
    assert.ok(app.includes(library), "the app's rules hold the library's block unchanged");
    assert.ok(app.includes('match /notes/{noteId}'), 'and its own rules');
  });

  it("deploys the library's indexes and TTL policy", () => {
    assert.deepEqual(
      json(example, 'firestore.indexes.json'),
      json(root, 'library', 'firestore', 'firestore.indexes.json'),
    );
  });

  it('sets every param the library declares, so the emulators and deploy do not prompt', () => {
    assert.deepEqual(envKeys(join(example, 'functions', '.env')), envKeys(join(root, 'functions', '.env')));
  });

  it('installs the tarballs `npm pack` writes for the packages as they are now', () => {
    const tarball = (workspace: string) => {
      const { name, version } = json<{ name: string; version: string }>(root, workspace, 'package.json');
      return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
    };
    const functions = json<{ dependencies: Record<string, string> }>(example, 'functions', 'package.json');
    assert.equal(functions.dependencies['@async-jobs/functions'], `file:vendor/${tarball('library')}`);
    assert.equal(functions.dependencies['@async-jobs/contract'], `file:vendor/${tarball('contract')}`);
    const app = json<{ devDependencies: Record<string, string> }>(example, 'package.json');
    assert.equal(app.devDependencies['@async-jobs/client'], `file:vendor/${tarball('client')}`);
  });
});
