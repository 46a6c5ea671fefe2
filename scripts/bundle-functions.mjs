#!/usr/bin/env node
// @ts-check
/**
 * `npm run build --workspace functions`: bundles the functions' entry (see lib/bundle.mjs).
 *
 *   node scripts/bundle-functions.mjs <entry.ts> <out.js>
 */
import { resolve } from 'node:path';
import { bundleFunctions } from './lib/bundle.mjs';

const [entry, out] = process.argv.slice(2);
if (!entry || !out) {
  console.error('usage: bundle-functions.mjs <entry.ts> <out.js>');
  process.exit(2);
}
await bundleFunctions(resolve(entry), resolve(out));
