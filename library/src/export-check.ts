/**
 * The exports asyncJobs' functions need: every function it made, at the top level of the app's entry module, under
 * its own name (the deployed function's name). A worker not exported deploys nothing, and its pool's jobs would
 * wait for ever; a missing `wakeJobs` would leave sleeping jobs to the sweep; a misspelled name deploys a function
 * no client calls. So once the entry module has loaded, the names are checked and a missing one stops the process:
 * at deploy (firebase deploy's discovery loads the module), on the emulators, and at an instance's start, never
 * silently at run time.
 */
import { createRequire } from 'node:module';

/** The names of the functions in `made` that `exported` lacks (or holds something else under), in order. */
export function missingExports(
  made: Readonly<Record<string, unknown>>,
  exported: Readonly<Record<string, unknown>>,
): string[] {
  return Object.keys(made).filter((name) => exported[name] !== made[name]);
}

/**
 * The exports of the functions' entry module, as loaded: the module `main` of the package in the working directory
 * names (where firebase deploy's discovery, the emulators and Cloud Functions load an app's functions from).
 * Undefined when it cannot be told (no such package, an ES module, a test run): then nothing is checked.
 */
function entryExports(): Record<string, unknown> | undefined {
  try {
    const require = createRequire(`${process.cwd()}/`);
    const entry = require.cache[require.resolve(process.cwd())];
    return entry?.loaded ? (entry.exports as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Once the entry module has loaded, checks that it exports every function in `made` under its name; throws, stopping
 * the process, when it does not, naming each. A microtask: it runs as soon as the synchronous load of a CommonJS
 * entry returns, before the loader goes on (firebase-functions' discovery `await`s its load, then reads the exports
 * and answers with the manifest), so a deploy stops before it has a manifest to deploy.
 */
export function checkExportsOnceLoaded(made: Readonly<Record<string, unknown>>): void {
  queueMicrotask(() => {
    const exported = entryExports();
    if (!exported || !Object.values(made).some((fn) => Object.values(exported).includes(fn))) return;
    const missing = missingExports(made, exported);
    if (missing.length === 0) return;
    throw new Error(
      `async-jobs: the functions' entry module does not export ${missing.join(', ')}. Export every function ` +
        'asyncJobs returns under its own name (a pool whose worker is not exported would keep its jobs waiting ' +
        'for ever): export const { createJob, createJobs, cancelJob, signalJob, adminCancelJob, adminRetryJob, jobs, ' +
        'sweepJobs, wakeJobs, runJob, ' +
        '…a runJob<Pool> for each pool } = asyncJobs({ tasks, pools });',
    );
  });
}
