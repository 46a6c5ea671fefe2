/**
 * firebase.json is the one description of the emulator suite: the scripts' variants (no UI, the bench's) and the
 * start banner's URLs are derived from it. Loaded with a dynamic import for the reason in manifest-jar.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface EmulatorEntry {
  host?: string;
  port?: number;
  enabled?: boolean;
}
interface FunctionsEntry {
  source: string;
  codebase?: string;
  runtime?: string;
}
interface FirebaseConfig {
  functions?: FunctionsEntry[];
  emulators?: Record<string, EmulatorEntry | boolean>;
  hosting?: unknown;
  [key: string]: unknown;
}

/** The signatures scripts/lib/firebase-config.mjs and start-banner.mjs declare in their JSDoc. */
interface FirebaseConfigModule {
  emulatorNames: (config: FirebaseConfig) => string[];
  emulatorOrigin: (config: FirebaseConfig, name: string) => string;
  withoutUi: (config: FirebaseConfig) => FirebaseConfig;
  withBenchBaseline: (config: FirebaseConfig, baseline: FunctionsEntry) => FirebaseConfig;
  withFunctionsSource: (config: FirebaseConfig, source: string) => FirebaseConfig;
  defaultFunctionsSource: (config: FirebaseConfig) => string;
}
interface StartBannerModule {
  startBanner: (urls: { webOrigin: string; authOrigin: string; functionsUrl: string }) => string;
}

// Typed `string`, not the literal, so tsc does not try to resolve the untyped modules.
const FIREBASE_CONFIG_MODULE: string = '../../scripts/lib/firebase-config.mjs';
const START_BANNER_MODULE: string = '../../scripts/lib/start-banner.mjs';

const projectConfig = JSON.parse(readFileSync(join(__dirname, '..', '..', 'firebase.json'), 'utf8')) as FirebaseConfig;
const BASELINE: FunctionsEntry = { source: 'bench/baseline-functions', codebase: 'baseline', runtime: 'nodejs22' };

describe('firebase.json and the variants derived from it', () => {
  let lib: FirebaseConfigModule;
  let banner: StartBannerModule;
  before(async () => {
    lib = (await import(FIREBASE_CONFIG_MODULE)) as FirebaseConfigModule;
    banner = (await import(START_BANNER_MODULE)) as StartBannerModule;
    for (const name of [
      'emulatorNames',
      'emulatorOrigin',
      'withoutUi',
      'withBenchBaseline',
      'withFunctionsSource',
      'defaultFunctionsSource',
    ] as const) {
      assert.equal(typeof lib[name], 'function', name);
    }
    assert.equal(typeof banner.startBanner, 'function');
  });

  it("names the project's emulators for --only, leaving out settings and helpers", () => {
    assert.deepEqual(lib.emulatorNames(projectConfig), ['auth', 'functions', 'firestore', 'pubsub', 'hosting']);
  });

  it("gives an emulator's origin, with firebase-tools' default host where the config names none", () => {
    assert.equal(lib.emulatorOrigin(projectConfig, 'functions'), 'http://127.0.0.1:5001');
    assert.equal(lib.emulatorOrigin({ emulators: { ui: { port: 4123 } } }, 'ui'), 'http://127.0.0.1:4123');
    assert.equal(
      lib.emulatorOrigin({ emulators: { auth: { host: 'localhost', port: 1 } } }, 'auth'),
      'http://localhost:1',
    );
    assert.throws(() => lib.emulatorOrigin(projectConfig, 'storage'), /no port for the storage emulator/);
  });

  it('turns the UI off and changes nothing else', () => {
    const variant = lib.withoutUi(projectConfig);
    assert.deepEqual(variant.emulators?.ui, { ...(projectConfig.emulators?.ui as EmulatorEntry), enabled: false });
    assert.deepEqual({ ...variant.emulators, ui: undefined }, { ...projectConfig.emulators, ui: undefined });
    assert.deepEqual({ ...variant, emulators: undefined }, { ...projectConfig, emulators: undefined });
    assert.notEqual((projectConfig.emulators?.ui as EmulatorEntry).enabled, false, 'the input is left as it was');
  });

  it("the bench's suite: the same ports plus the baseline codebase, without hosting or UI", () => {
    const bench = lib.withBenchBaseline(projectConfig, BASELINE);
    assert.deepEqual(bench.functions, [...(projectConfig.functions ?? []), BASELINE]);
    assert.deepEqual(lib.emulatorNames(bench), ['auth', 'functions', 'firestore', 'pubsub']);
    for (const name of ['auth', 'functions', 'firestore', 'pubsub', 'hub', 'logging']) {
      assert.deepEqual(bench.emulators?.[name], projectConfig.emulators?.[name], name);
    }
    assert.equal((bench.emulators?.ui as EmulatorEntry).enabled, false);
    assert.equal(bench.hosting, undefined);
    assert.deepEqual(bench.firestore, projectConfig.firestore);
    assert.equal(projectConfig.functions?.length, 1, 'the input is left as it was');
  });

  it("the test suite's config: the default codebase served from the test functions, everything else kept", () => {
    const test = lib.withFunctionsSource(projectConfig, 'test/fixtures/functions');
    assert.equal(lib.defaultFunctionsSource(projectConfig), 'functions');
    assert.equal(lib.defaultFunctionsSource(test), 'test/fixtures/functions');
    assert.deepEqual(test.functions?.[0], { ...projectConfig.functions?.[0], source: 'test/fixtures/functions' });
    assert.deepEqual({ ...test, functions: undefined }, { ...projectConfig, functions: undefined });
    const bench = lib.withBenchBaseline(test, BASELINE);
    assert.equal(lib.defaultFunctionsSource(bench), 'test/fixtures/functions', 'the baseline codebase is not default');
    assert.equal(projectConfig.functions?.[0]?.source, 'functions', 'the input is left as it was');
  });

  it("the start banner's URLs are the ones it is given, so they follow firebase.json", () => {
    const text = banner.startBanner({
      webOrigin: 'http://127.0.0.1:5123',
      authOrigin: 'http://127.0.0.1:9123',
      functionsUrl: 'http://127.0.0.1:5124/demo-x/europe-west1',
    });
    assert.match(text, /Web app: http:\/\/127\.0\.0\.1:5123 /);
    assert.match(text, /Operator console: http:\/\/127\.0\.0\.1:5123\/admin /);
    assert.match(text, /FIREBASE_AUTH_EMULATOR_HOST=127\.0\.0\.1:9123 npm run grant-admin/);
    assert.match(text, /'http:\/\/127\.0\.0\.1:9123\/identitytoolkit\.googleapis\.com\/v1\/accounts:signUp\?key=demo'/);
    assert.match(text, /http:\/\/127\.0\.0\.1:5124\/demo-x\/europe-west1\/createJob\n/);
    assert.match(text, /URL=http:\/\/127\.0\.0\.1:5124\/demo-x\/europe-west1\/jobs\n/);
    assert.doesNotMatch(text, /:5000|:9099|:5001|us-central1/);
  });
});
