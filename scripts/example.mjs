#!/usr/bin/env node
// @ts-check
/**
 * `npm run example`: the example app (examples/word-count) as a new user gets it. Packs the built packages with
 * `npm pack` (@async-jobs/contract and @async-jobs/functions into its functions/vendor/, @async-jobs/client into its
 * vendor/), installs the example afresh from those tarballs (no workspace link, no lockfile of an older pack), and
 * runs its own `npm test` on the emulator suite, with the emulators this machine has (see lib/emulator-env.mjs).
 * With `--peers lowest`, the lowest versions the library's peer ranges accept replace the newest ones the example
 * installs, so the two runs test both ends of each range. Run `npm run build` first (`npm run example` does).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SetupError, requireJava, sdkEmulatorEnv } from './lib/emulator-env.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({ options: { peers: { type: 'string', default: 'newest' } } });
const peers = options.peers;
if (peers !== 'newest' && peers !== 'lowest') {
  console.error('usage: example.mjs [--peers newest|lowest]');
  process.exit(2);
}

/**
 * A package manifest with each dependency named in `versions` set to that version, in every dependency field.
 * @param {unknown} manifest
 * @param {Record<string, string>} versions
 */
function withVersions(manifest, versions) {
  const copy = /** @type {Record<string, unknown>} */ ({ .../** @type {object} */ (manifest) });
  for (const field of ['dependencies', 'devDependencies']) {
    const deps = /** @type {Record<string, string> | undefined} */ (copy[field]);
    if (!deps) continue;
    copy[field] = Object.fromEntries(Object.entries(deps).map(([name, range]) => [name, versions[name] ?? range]));
  }
  return copy;
}

/** The library's peer dependencies, by name: the ranges an app's own versions must fall in. */
function libraryPeers() {
  /** @type {unknown} */
  const manifest = JSON.parse(readFileSync(join(projectDir, 'library', 'package.json'), 'utf8'));
  return /** @type {{ peerDependencies: Record<string, string> }} */ (manifest).peerDependencies;
}

/**
 * The lowest version a range of caret alternatives accepts (`^13.0.0 || ^14.0.0` → 13.0.0).
 * @param {string} range
 */
function lowestOf(range) {
  const versions = range.split('||').map((part) => /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(part));
  if (versions.some((v) => !v)) throw new Error(`example.mjs reads caret ranges only, not "${range}"`);
  const [lowest] = versions
    .map((v) => /** @type {RegExpExecArray} */ (v).slice(1, 4).map(Number))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return lowest.join('.');
}
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

// Where the run installs and tests: the example itself, or for the lowest peers a copy of it whose manifests name
// those versions exactly, so a fresh install has one copy of each (pins over an install of the newest would leave
// two zods, say, in the test's program).
let runDir = exampleDir;
if (peers === 'lowest') {
  runDir = mkdtempSync(join(tmpdir(), 'word-count-lowest-peers-'));
  const skipped = new Set(['node_modules', 'lib', 'package-lock.json']);
  cpSync(exampleDir, runDir, { recursive: true, filter: (source) => !skipped.has(basename(source)) });
  const pins = Object.fromEntries(Object.entries(libraryPeers()).map(([name, range]) => [name, lowestOf(range)]));
  for (const manifest of [join(runDir, 'package.json'), join(runDir, 'functions', 'package.json')]) {
    writeFileSync(manifest, JSON.stringify(withVersions(JSON.parse(readFileSync(manifest, 'utf8')), pins), null, 2));
  }
  console.log(`the lowest peers, in a copy of the example at ${runDir}: ${JSON.stringify(pins)}`);
} else {
  for (const stale of [
    'node_modules',
    'package-lock.json',
    join('functions', 'node_modules'),
    join('functions', 'lib'),
  ]) {
    rmSync(join(exampleDir, stale), { recursive: true, force: true });
  }
}
npm(runDir, ['install', '--no-audit', '--no-fund']);
npm(runDir, ['ls', '--workspace', 'functions', ...Object.keys(libraryPeers())]);

const { env, notes } = sdkEmulatorEnv(join(runDir, 'node_modules', '.cache', 'emulators'));
for (const note of notes) console.log(note);
npm(runDir, ['test'], { ...process.env, ...env });
