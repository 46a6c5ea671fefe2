// @ts-check
/**
 * Bundles a functions codebase's entry into one CommonJS file, with @async-jobs/functions (a workspace package, not
 * on npm) compiled in from its sources through functions/tsconfig.json's `paths`, and the packages a deploy installs
 * left to node_modules: what `firebase deploy` uploads then needs nothing outside its own folder.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages the functions' package.json lists, which Cloud Build installs; everything else is bundled. */
export const DEPLOYED_PACKAGES = ['firebase-functions', 'firebase-admin', '@google-cloud/pubsub', 'zod'];

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @param {string} entry the codebase's entry (TypeScript)
 * @param {string} outfile the bundle to write
 */
export async function bundleFunctions(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    tsconfig: join(projectDir, 'functions', 'tsconfig.json'),
    external: DEPLOYED_PACKAGES.flatMap((name) => [name, `${name}/*`]),
    sourcemap: true,
    logLevel: 'warning',
  });
}
