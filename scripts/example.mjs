#!/usr/bin/env node
// @ts-check
/**
 * `npm run example`: the example app (examples/word-count) as a new user gets it. Packs the built packages with
 * `npm pack` (@async-jobs/contract and @async-jobs/functions into its functions/vendor/, @async-jobs/client into its
 * vendor/), installs the example afresh from those tarballs (no workspace link, no lockfile of an older pack), and
 * runs its own `npm test` on the emulator suite, with the emulators this machine has (see lib/emulator-env.mjs).
 * Run `npm run build` first (`npm run example` does).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, requireJava, sdkEmulatorEnv } from './lib/emulator-env.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const exampleDir = join(projectDir, 'examples', 'word-count');

/** Where each package's tarball goes in the example: the functions' packages with the functions (they deploy). */
const TARBALLS = {
  contract: join(exampleDir, 'functions', 'vendor'),
  library: join(exampleDir, 'functions', 'vendor'),
  client: join(exampleDir, 'vendor'),
};

/**
 * Runs a command, inheriting the terminal; exits with its status if it fails.
 * @param {string} cwd
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function npm(cwd, args, env = process.env) {
  console.log(`\n$ (${cwd}) npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

try {
  requireJava();
} catch (e) {
  if (e instanceof SetupError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

for (const dir of new Set(Object.values(TARBALLS))) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
for (const [workspace, dir] of Object.entries(TARBALLS)) {
  npm(projectDir, ['pack', '--workspace', workspace, '--pack-destination', dir, '--silent']);
}
for (const dir of new Set(Object.values(TARBALLS))) console.log(`packed into ${dir}: ${readdirSync(dir).join(', ')}`);

for (const stale of [
  'node_modules',
  'package-lock.json',
  join('functions', 'node_modules'),
  join('functions', 'lib'),
]) {
  rmSync(join(exampleDir, stale), { recursive: true, force: true });
}
npm(exampleDir, ['install', '--no-audit', '--no-fund']);

const { env, notes } = sdkEmulatorEnv(join(exampleDir, 'node_modules', '.cache', 'emulators'));
for (const note of notes) console.log(note);
npm(exampleDir, ['test'], { ...process.env, ...env });
