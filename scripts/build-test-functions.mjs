#!/usr/bin/env node
// @ts-check
/**
 * Builds the test suite's functions (test/fixtures/functions): one bundle of the deployed functions' sources and
 * the test tasks, with the packages left to node_modules, and the functions' params files beside it (the emulator
 * reads `.env` and `.env.local` from a codebase's own folder). `npm test` runs this; nothing it writes is committed or deployed.
 */
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(projectDir, 'test', 'fixtures', 'functions');

await build({
  entryPoints: [join(fixture, 'index.ts')],
  outfile: join(fixture, 'lib', 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['.env', '.env.local']) copyFileSync(join(projectDir, 'functions', file), join(fixture, file));
