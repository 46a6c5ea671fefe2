/**
 * The Firestore emulator launcher jar. The JVM reads only the manifest, and it is strict: a line over 72
 * bytes or a mis-folded Class-Path makes `java -jar` fail with "no main manifest attribute" or a
 * ClassNotFoundException, so the folding and the zip are checked against `unzip`, an independent reader.
 *
 * The module is plain JavaScript (`// @ts-check` JSDoc) and test/tsconfig.json has no `allowJs`, so a static
 * import is an untyped module to tsc (TS7016). It is loaded with a dynamic import instead, typed by the
 * interface below, and checked at run time to have those functions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The signatures scripts/lib/manifest-jar.mjs declares in its JSDoc. */
interface ManifestJarModule {
  foldManifestLine: (header: string) => string;
  manifestText: (mainClass: string, classPath: string[]) => string;
  writeManifestJar: (jarPath: string, mainClass: string, classPath: string[]) => void;
}

// Typed `string`, not the literal, so tsc does not try to resolve the untyped module.
const MANIFEST_JAR_MODULE: string = '../../scripts/lib/manifest-jar.mjs';

const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';

/** Undoes the jar spec's folding: a CRLF followed by one space continues the previous line. */
function unfold(text: string): string[] {
  return text
    .replace(/\r\n /g, '')
    .split('\r\n')
    .filter((line) => line !== '');
}

/** The lines of folded text, without the CRLFs, for length checks. */
function physicalLines(text: string): string[] {
  assert.ok(text.endsWith('\r\n'), 'every manifest line ends with CRLF');
  return text.slice(0, -2).split('\r\n');
}

describe('manifest-jar', () => {
  let foldManifestLine: ManifestJarModule['foldManifestLine'];
  let manifestText: ManifestJarModule['manifestText'];
  let writeManifestJar: ManifestJarModule['writeManifestJar'];

  before(async () => {
    const loaded = (await import(MANIFEST_JAR_MODULE)) as ManifestJarModule;
    for (const name of ['foldManifestLine', 'manifestText', 'writeManifestJar'] as const) {
      assert.equal(typeof loaded[name], 'function', `manifest-jar.mjs exports ${name}`);
    }
    ({ foldManifestLine, manifestText, writeManifestJar } = loaded);
  });

  describe('foldManifestLine', () => {
    it('leaves a short header on one line ending in CRLF', () => {
      assert.equal(foldManifestLine('Manifest-Version: 1.0'), 'Manifest-Version: 1.0\r\n');
    });

    // Around each fold: 72 is one full line; each continuation holds one space and 71 bytes.
    for (const length of [1, 71, 72, 73, 143, 144, 1000]) {
      it(`keeps every line <= 72 bytes and round-trips a ${length}-byte header`, () => {
        const header = `Class-Path: ${'x'.repeat(Math.max(0, length - 12))}`.slice(0, length);
        const folded = foldManifestLine(header);
        const lines = physicalLines(folded);
        for (const line of lines) assert.ok(Buffer.byteLength(line, 'utf8') <= 72, `${line.length}: ${line}`);
        lines.slice(1).forEach((line) => assert.ok(line.startsWith(' '), 'a continuation starts with a space'));
        assert.deepEqual(unfold(folded), [header]);
        // No empty continuation line: that would end the manifest section early.
        assert.equal(lines.length, length <= 72 ? 1 : 1 + Math.ceil((length - 72) / 71));
      });
    }

    it('refuses a header that is not ASCII, since it folds at byte offsets', () => {
      assert.throws(() => foldManifestLine(`Class-Path: ${'x'.repeat(59)}é`), /not printable ASCII/);
    });

    it('round-trips a long Class-Path of file URLs', () => {
      const urls = [
        '/opt/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar',
        '/a b/c.jar',
      ]
        .map((path) => pathToFileURL(path).href)
        .join(' ');
      const header = `Class-Path: ${urls}`;
      assert.deepEqual(unfold(foldManifestLine(header)), [header]);
    });
  });

  describe('manifestText', () => {
    it('names the version, Main-Class and Class-Path, and ends with the blank line the spec requires', () => {
      const text = manifestText(MAIN_CLASS, ['/opt/sdk/emulator.jar']);
      assert.deepEqual(unfold(text), [
        'Manifest-Version: 1.0',
        `Main-Class: ${MAIN_CLASS}`,
        'Class-Path: file:///opt/sdk/emulator.jar',
      ]);
      assert.ok(text.endsWith('\r\n\r\n'));
    });

    it('percent-encodes spaces in a class-path entry (a space separates entries)', () => {
      const text = manifestText(MAIN_CLASS, ['/my sdk/emulator.jar', '/other.jar']);
      assert.ok(unfold(text).includes('Class-Path: file:///my%20sdk/emulator.jar file:///other.jar'));
    });
  });

  describe('writeManifestJar', () => {
    let dir = '';

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'manifest-jar-test-'));
    });

    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs unzip and returns its stdout; fails the test with unzip's own words if it refuses the file. */
    function unzip(args: string[]): string {
      const run = spawnSync('unzip', args, { encoding: 'utf8' });
      assert.ifError(run.error);
      assert.equal(run.status, 0, `unzip ${args.join(' ')}: ${run.stderr}${run.stdout}`);
      return run.stdout;
    }

    it('writes a zip that unzip reads back, holding the manifest with Main-Class and the Class-Path URL', () => {
      // A long path, so the Class-Path is folded and unzip's copy must be unfolded to find the URL.
      const emulatorJar = join(dir, 'google-cloud-sdk', 'platform', 'cloud-firestore-emulator', 'emulator.jar');
      const jar = join(dir, 'launcher.jar');
      writeManifestJar(jar, MAIN_CLASS, [emulatorJar]);

      const manifest = unzip(['-p', jar, 'META-INF/MANIFEST.MF']);
      assert.equal(manifest, manifestText(MAIN_CLASS, [emulatorJar]));
      const lines = unfold(manifest);
      assert.ok(lines.includes(`Main-Class: ${MAIN_CLASS}`), manifest);
      assert.ok(lines.includes(`Class-Path: ${pathToFileURL(emulatorJar).href}`), manifest);
    });

    it('writes a zip whose CRC and sizes pass `unzip -t`, with the manifest as its only entry', () => {
      const jar = join(dir, 'tested.jar');
      writeManifestJar(jar, MAIN_CLASS, ['/opt/a.jar', '/opt/b.jar']);
      assert.match(unzip(['-t', jar]), /No errors detected/);
      assert.deepEqual(unzip(['-Z1', jar]).split('\n').filter(Boolean), ['META-INF/MANIFEST.MF']);
    });

    it('writes the same bytes every time (the jar is reproducible)', () => {
      const first = join(dir, 'first.jar');
      const second = join(dir, 'second.jar');
      writeManifestJar(first, MAIN_CLASS, ['/opt/a.jar']);
      writeManifestJar(second, MAIN_CLASS, ['/opt/a.jar']);
      assert.deepEqual(readFileSync(first), readFileSync(second));
    });
  });
});
