#!/usr/bin/env node
// @ts-check
/**
 * async-jobs-local-scheduler: Cloud Scheduler for the Firebase emulator suite, which never runs v2 scheduled
 * functions (firebase-tools#2034). Without it nothing runs `sweepJobs` locally, so a job whose message the emulator
 * dropped (a function that failed to load, a delivery before its trigger loaded) or whose worker died stays where it
 * is. It loads a functions codebase's built entry and runs each scheduled function's own handler once at its start
 * and then on its schedule, as Cloud Scheduler calls it in production (`sweepJobs` every minute). The Admin SDK
 * finds the emulators through the variables `firebase emulators:exec` sets; the functions' params come from the
 * codebase's `.env.local` and `.env`, as the Functions emulator loads them.
 *
 *   firebase emulators:exec "async-jobs-local-scheduler functions -- <command>"   while <command> runs (tests)
 *   async-jobs-local-scheduler functions                                          until stopped (beside
 *                                                                                 emulators:start, with the
 *                                                                                 emulators' variables set)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseDotenv, scheduleIntervalMs, scheduledFunctions } from './schedule.mjs';

const [codebaseArg, separator, ...command] = process.argv.slice(2);
if (!codebaseArg || (separator !== undefined && separator !== '--')) {
  console.error('usage: async-jobs-local-scheduler <functions codebase dir> [-- <command>]');
  process.exit(2);
}
const codebase = resolve(codebaseArg);
// The params, as the Functions emulator gives them to the functions: .env.local over .env (variables already set
// win over both).
for (const file of ['.env.local', '.env']) {
  const dotenv = join(codebase, file);
  if (!existsSync(dotenv)) continue;
  for (const [key, value] of Object.entries(parseDotenv(readFileSync(dotenv, 'utf8')))) process.env[key] ??= value;
}
/** @type {unknown} */
const packageJson = JSON.parse(readFileSync(join(codebase, 'package.json'), 'utf8'));
const main = /** @type {{ main?: string }} */ (packageJson).main ?? 'index.js';
/** @type {unknown} */
const loaded = createRequire(join(codebase, 'package.json'))(join(codebase, main));
const exported = /** @type {Record<string, unknown>} */ (loaded);

/** @type {NodeJS.Timeout[]} */
const timers = [];
for (const fn of scheduledFunctions(exported)) {
  const intervalMs = scheduleIntervalMs(fn.schedule);
  if (intervalMs === undefined) {
    console.log(`async-jobs: local scheduler does not run ${fn.name} ("${fn.schedule}" is not "every N minutes")`);
    continue;
  }
  console.log(`async-jobs: local scheduler runs ${fn.name} ${fn.schedule}`);
  let running = false;
  const tick = async () => {
    // One run at a time, as the deployed function's maxInstances: 1 allows; a tick during a run is skipped.
    if (running) return;
    running = true;
    try {
      await fn.run({ scheduleTime: new Date().toISOString(), jobName: `local-${fn.name}` });
    } catch (e) {
      console.error(`async-jobs: ${fn.name} failed: ${String(e)}`);
    } finally {
      running = false;
    }
  };
  // Once at its start too: what an earlier emulator session left (a job whose message was lost) is recovered now.
  void tick();
  timers.push(setInterval(() => void tick(), intervalMs));
}

function stop() {
  for (const timer of timers) clearInterval(timer);
}

if (command.length > 0) {
  const child = spawn(command.join(' '), { shell: true, stdio: 'inherit' });
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    stop();
    process.exit(code ?? (signal ? 1 : 0));
  });
} else {
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => {
      stop();
      process.exit(0);
    });
  }
}
