#!/usr/bin/env node
// @ts-check
/**
 * Builds the test suite's functions (test/fixtures/functions): one bundle of the deployed functions' code and the
 * test tasks, as the functions' own build makes it (lib/bundle.mjs), and the functions' params files beside it (the
 * emulator reads `.env` and `.env.local` from a codebase's own folder). `npm test` runs this; nothing it writes is
 * committed or deployed.
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFunctions } from './lib/bundle.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(projectDir, 'test', 'fixtures', 'functions');

await bundleFunctions(join(fixture, 'index.ts'), join(fixture, 'lib', 'index.js'));
for (const file of ['.env', '.env.local']) copyFileSync(join(projectDir, 'functions', file), join(fixture, file));
