#!/usr/bin/env node
// @ts-check
/**
 * Runs firebase-tools' emulator suite with this project's set-up (see CONTRIBUTING.md, "How the emulators are found").
 *
 *   node scripts/emulators.mjs start                   the suite, until Ctrl-C (npm start)
 *   node scripts/emulators.mjs exec '<command>'        the suite up while <command> runs (npm run emulators:exec)
 *   node scripts/emulators.mjs exec --test '<command>' same, with the test suite's functions (npm test)
 *   node scripts/emulators.mjs exec --bench '<command>' same, with the seed's baseline loaded too (npm run bench)
 *
 * The emulators started are the ones firebase.json lists under "emulators"; the variants (no UI, the test suite's
 * functions, the bench's) are written from it to a gitignored file beside it, since paths in the config are
 * relative to its folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SetupError, requireJava, sdkEmulatorEnv } from './lib/emulator-env.mjs';
import { emulatorUiUnavailable } from './lib/emulator-ui.mjs';
import {
  defaultFunctionsSource,
  emulatorNames,
  emulatorOrigin,
  withBenchBaseline,
  withFunctionsSource,
  withoutUi,
} from './lib/firebase-config.mjs';
import { startBanner } from './lib/start-banner.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function usage() {
  console.error("usage: emulators.mjs start | exec [--test | --bench] '<command>'");
  process.exit(2);
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { test: { type: 'boolean', default: false }, bench: { type: 'boolean', default: false } },
});
const [mode, ...rest] = positionals;
const command = rest.join(' ');
if (mode !== 'start' && !(mode === 'exec' && command)) usage();
/** @typedef {import('./lib/firebase-config.mjs').FirebaseConfig} FirebaseConfig */
/** @type {unknown} */
const parsedConfig = JSON.parse(readFileSync(join(projectDir, 'firebase.json'), 'utf8'));
const firebaseConfig = /** @type {FirebaseConfig} */ (parsedConfig);

/**
 * A variant of firebase.json, written beside it (paths in the config are relative to its folder).
 * @param {string} name
 * @param {FirebaseConfig} config
 */
function writeVariant(name, config) {
  const path = join(projectDir, name);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return { path, config };
}

let suite = { path: join(projectDir, 'firebase.json'), config: firebaseConfig };
if (options.test) {
  // The test suite's functions entry (built by `npm run build:test-functions`): the same code, with test tasks.
  suite = writeVariant('.firebase.test.json', withFunctionsSource(firebaseConfig, 'test/fixtures/functions'));
}
if (options.bench) {
  // The seed's baseline, a second codebase that only the bench loads (bench/baseline-functions).
  const baseline = { source: 'bench/baseline-functions', codebase: 'baseline', runtime: 'nodejs22' };
  suite = writeVariant('.firebase.bench.json', withBenchBaseline(firebaseConfig, baseline));
}
// `emulators:exec` never shows the Emulator UI; `emulators:start` does, and fails if it cannot download it. So
// where it cannot be had, start with the UI off.
const ui = suite.config.emulators?.ui;
if (mode === 'start' && typeof ui === 'object' && ui.enabled !== false) {
  const why = await emulatorUiUnavailable(projectDir);
  if (why) {
    console.log(`async-jobs: starting without the Emulator UI: ${why}.`);
    suite = writeVariant('.firebase.no-ui.json', withoutUi(suite.config));
  } else {
    console.log(`async-jobs: Emulator UI at ${emulatorOrigin(suite.config, 'ui')}`);
  }
}
const EMULATORS = emulatorNames(suite.config).join(',');

try {
  requireJava();
} catch (e) {
  if (e instanceof SetupError) {
    console.error(`async-jobs: ${e.message}`);
    process.exit(1);
  }
  throw e;
}

const { env: sdkEnv, notes } = sdkEmulatorEnv(join(projectDir, '.emulators'));
for (const note of notes) console.log(`async-jobs: ${note}`);

/** @type {NodeJS.ProcessEnv} */
const env = {
  ...process.env,
  ...sdkEnv,
  // The CLI's update check only slows start-up (and cannot reach the internet on CI).
  NO_UPDATE_NOTIFIER: '1',
  // The Logging emulator streams the functions' log entries, which tests read (test/helpers/function-logs.ts).
  START_LOGGING_EMULATOR: 'true',
  // The Functions emulator starts a Node process for each concurrent invocation and drops the invocation if the
  // process is not serving within this many seconds (30 by default). A burst of calls on a small machine starts
  // many at once, each slowed by the others; 120 s lets them all start rather than drop deliveries.
  FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? '120',
};
// firebase-tools (from node_modules/.bin when run by npm) runs the functions with its own Node binary, which
// npm scripts take from the `node` dev dependency: Node 22, the deploy runtime.
// The emulator never runs scheduled functions, so the library's async-jobs-local-scheduler (library/bin) plays Cloud
// Scheduler for the default codebase (the recovery sweep each minute): around the command for `exec`, beside the
// suite for `start`.
const scheduledCodebase = defaultFunctionsSource(suite.config);
/** @param {string} text */
const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
const scheduledCommand = `node library/bin/local-scheduler.mjs ${shellQuote(scheduledCodebase)} -- ${shellQuote(command)}`;
const args =
  // --config is a global option of the CLI: it goes before the command, or it is ignored.
  mode === 'start'
    ? ['--config', suite.path, 'emulators:start', '--only', EMULATORS]
    : ['--config', suite.path, 'emulators:exec', '--only', EMULATORS, scheduledCommand];
// Our own pinned firebase-tools, whichever way this script was started.
const localFirebase = join(projectDir, 'node_modules', '.bin', 'firebase');
const child = spawn(existsSync(localFirebase) ? localFirebase : 'firebase', args, {
  cwd: projectDir,
  env,
  stdio: mode === 'start' ? ['inherit', 'pipe', 'inherit'] : 'inherit',
});
if (mode === 'start' && child.stdout) {
  let announced = false;
  child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
    process.stdout.write(chunk);
    if (!announced && chunk.toString().includes('All emulators ready')) {
      announced = true;
      process.stdout.write(startBanner(bannerUrls()));
      startLocalScheduler();
    }
  });
}
/** The banner's URLs, from firebase.json, .firebaserc and the functions' region param (functions/.env). */
function bannerUrls() {
  const dotenv = readFileSync(join(projectDir, 'functions', '.env'), 'utf8');
  const region = /^JOBS_REGION=(.+)$/m.exec(dotenv)?.[1]?.trim() ?? 'us-central1';
  return {
    webOrigin: emulatorOrigin(firebaseConfig, 'hosting'),
    authOrigin: emulatorOrigin(firebaseConfig, 'auth'),
    functionsUrl: `${emulatorOrigin(firebaseConfig, 'functions')}/${projectIdOf()}/${region}`,
  };
}
/** @type {import('node:child_process').ChildProcess | undefined} */
let scheduler;
/** Starts the local scheduler beside `emulators:start`, with the variables `emulators:exec` would have set. */
function startLocalScheduler() {
  const projectId = projectIdOf();
  scheduler = spawn(process.execPath, [join(projectDir, 'library', 'bin', 'local-scheduler.mjs'), scheduledCodebase], {
    cwd: projectDir,
    stdio: 'inherit',
    env: {
      ...env,
      GCLOUD_PROJECT: projectId,
      FIREBASE_CONFIG: JSON.stringify({ projectId }),
      FIRESTORE_EMULATOR_HOST: emulatorOrigin(firebaseConfig, 'firestore').replace('http://', ''),
      PUBSUB_EMULATOR_HOST: emulatorOrigin(firebaseConfig, 'pubsub').replace('http://', ''),
      FIREBASE_AUTH_EMULATOR_HOST: emulatorOrigin(firebaseConfig, 'auth').replace('http://', ''),
    },
  });
}

/** The project the suite runs as (.firebaserc's default). */
function projectIdOf() {
  /** @type {unknown} */
  const parsedRc = JSON.parse(readFileSync(join(projectDir, '.firebaserc'), 'utf8'));
  const firebaserc = /** @type {{ projects?: { default?: string } }} */ (parsedRc);
  return firebaserc.projects?.default ?? 'demo-async-jobs';
}

child.on('error', (e) => {
  console.error(`async-jobs: could not run firebase-tools (${e.message}); run \`npm install\` first.`);
  process.exit(1);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    scheduler?.kill(signal);
    child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  scheduler?.kill('SIGTERM');
  process.exit(code ?? (signal ? 1 : 0));
});
