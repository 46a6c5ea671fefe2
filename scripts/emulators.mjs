#!/usr/bin/env node
// @ts-check
/**
 * Runs firebase-tools' emulator suite with this project's set-up (see README, "How the emulators are found").
 *
 *   node scripts/emulators.mjs start                   the suite, until Ctrl-C (npm start)
 *   node scripts/emulators.mjs exec '<command>'        the suite up while <command> runs (npm run emulators:exec)
 *   node scripts/emulators.mjs exec --test '<command>' same, with the emulator-only test task types (npm test)
 *   ... exec --config firebase.bench.json '<command>'  with another firebase.json (npm run bench)
 *
 * The emulators started are the ones the config file lists under "emulators".
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SetupError, requireJava, sdkEmulatorEnv } from './lib/emulator-env.mjs';
import { emulatorUiUnavailable } from './lib/emulator-ui.mjs';
import { startBanner } from './lib/start-banner.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Entries of firebase.json's "emulators" that are settings or helpers, not emulators to name in --only. */
const NOT_EMULATORS = new Set(['singleProjectMode', 'ui', 'hub', 'logging']);

function usage() {
  console.error("usage: emulators.mjs start | exec [--test] [--config FILE] '<command>'");
  process.exit(2);
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { test: { type: 'boolean', default: false }, config: { type: 'string', default: 'firebase.json' } },
});
const [mode, ...rest] = positionals;
const testTasks = options.test;
const command = rest.join(' ');
if (mode !== 'start' && !(mode === 'exec' && command)) usage();
let configPath = join(projectDir, options.config);
/** @type {unknown} */
const parsedConfig = JSON.parse(readFileSync(configPath, 'utf8'));
const firebaseConfig = /** @type {{ emulators?: Record<string, unknown> }} */ (parsedConfig);

// `emulators:exec` never shows the Emulator UI; `emulators:start` does, and fails if it cannot download it. So
// where it cannot be had, start from a copy of the config with the UI off (beside it: paths in it are relative).
const ui = /** @type {{ enabled?: boolean, port?: number } | undefined} */ (firebaseConfig.emulators?.ui);
if (mode === 'start' && ui?.enabled !== false) {
  const why = await emulatorUiUnavailable(projectDir);
  if (why) {
    console.log(`async-jobs: starting without the Emulator UI: ${why}.`);
    configPath = join(projectDir, '.firebase.no-ui.json');
    const emulators = { ...firebaseConfig.emulators, ui: { ...ui, enabled: false } };
    writeFileSync(configPath, `${JSON.stringify({ ...firebaseConfig, emulators }, null, 2)}\n`);
  } else {
    console.log(`async-jobs: Emulator UI at http://127.0.0.1:${ui?.port ?? 4000}`);
  }
}
const EMULATORS = Object.keys(firebaseConfig.emulators ?? {})
  .filter((name) => !NOT_EMULATORS.has(name))
  .join(',');

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
  // Test-only task types (they fail or crash on purpose) exist only when this is set AND the code runs in the
  // Functions emulator; see functions/src/tasks/registry.ts. Never set in a deploy.
  ...(testTasks ? { ASYNC_JOBS_TEST_TASKS: 'true' } : {}),
};
// firebase-tools (from node_modules/.bin when run by npm) runs the functions with its own Node binary, which
// npm scripts take from the `node` dev dependency: Node 22, the deploy runtime.
const args =
  // --config is a global option of the CLI: it goes before the command, or it is ignored.
  mode === 'start'
    ? ['--config', configPath, 'emulators:start', '--only', EMULATORS]
    : ['--config', configPath, 'emulators:exec', '--only', EMULATORS, command];
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
      process.stdout.write(startBanner());
    }
  });
}
child.on('error', (e) => {
  console.error(`async-jobs: could not run firebase-tools (${e.message}); run \`npm install\` first.`);
  process.exit(1);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
