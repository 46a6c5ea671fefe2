/**
 * The packages an app installs carry their types as declaration files, never as TypeScript sources: a `.ts` file in
 * node_modules is compiled under the app's own options (`exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`, …)
 * and `skipLibCheck` does not skip it, so a source that compiles here could fail the app's build. Read from what
 * `npm pack` puts in each tarball, after `npm run build`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The workspaces an app installs from their tarballs. */
const PUBLISHED = ['contract', 'library', 'client'];

interface Manifest {
  name: string;
  types?: string;
  exports?: Record<string, string | { types?: string }>;
}

/** Every path a manifest gives TypeScript as a package's types, `./` taken off. */
function typeEntries(manifest: Manifest): string[] {
  const fromExports = Object.values(manifest.exports ?? {}).flatMap((entry) =>
    typeof entry === 'object' && entry.types ? [entry.types] : [],
  );
  return [manifest.types, ...fromExports].flatMap((path) => (path ? [path.replace(/^\.\//, '')] : []));
}

/** The files `npm pack` puts in the workspace's tarball. */
function packedFiles(workspace: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--workspace', workspace], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  assert.ok(pack, `npm pack answered for ${workspace}`);
  return pack.files.map((file) => file.path);
}

describe('the types the packages ship', function () {
  this.timeout(120_000);

  for (const workspace of PUBLISHED) {
    it(`${workspace}: its type entry points are declaration files in its tarball, with no TypeScript source`, () => {
      const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as Manifest;
      const files = packedFiles(workspace);
      const entries = typeEntries(manifest);
      assert.ok(entries.length > 0, `${manifest.name} names its types`);
      for (const entry of entries) {
        assert.match(entry, /\.d\.ts$/, `${manifest.name}'s types entry ${entry} is a declaration file`);
        assert.ok(files.includes(entry), `${manifest.name}'s tarball holds ${entry}`);
      }
      const sources = files.filter((path) => /\.(?:ts|tsx|mts|cts)$/.test(path) && !/\.d\.[mc]?ts$/.test(path));
      assert.deepEqual(sources, [], `${manifest.name}'s tarball holds no TypeScript source`);
    });
  }
});
