#!/usr/bin/env node
// @ts-check
/**
 * Creates one job on the running emulator suite and follows it live with a Firestore listener, the way an app
 * would: anonymous sign-in, the createJob callable, onSnapshot on jobs/{id}. Exits 0 when the job completes.
 *
 *   npm run demo -- [--worktime SECONDS] [--type TYPE] [--input JSON]
 */
import { parseArgs } from 'node:util';
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';

const { values } = parseArgs({
  options: {
    worktime: { type: 'string', default: '5' },
    type: { type: 'string', default: 'sleep' },
    input: { type: 'string' },
    project: { type: 'string', default: process.env.GCLOUD_PROJECT ?? 'demo-async-jobs' },
  },
});

/** @param {string | undefined} hostPort @param {number} port */
function hostOf(hostPort, port) {
  const [host, p] = (hostPort ?? `127.0.0.1:${port}`).split(':');
  return { host: host || '127.0.0.1', port: Number(p) || port };
}

const auth = hostOf(process.env.FIREBASE_AUTH_EMULATOR_HOST, 9099);
const store = hostOf(process.env.FIRESTORE_EMULATOR_HOST, 8080);
const fns = hostOf(undefined, 5001);

const app = initializeApp({ projectId: values.project, apiKey: 'demo-api-key' });
const clientAuth = getAuth(app);
connectAuthEmulator(clientAuth, `http://${auth.host}:${auth.port}`, { disableWarnings: true });
const firestore = getFirestore(app);
connectFirestoreEmulator(firestore, store.host, store.port);
const functions = getFunctions(app, 'us-central1');
connectFunctionsEmulator(functions, fns.host, fns.port);

const input = values.input
  ? /** @type {Record<string, unknown>} */ (JSON.parse(values.input))
  : { worktime: Number(values.worktime) };
const { user } = await signInAnonymously(clientAuth);
console.log(`signed in anonymously as ${user.uid}`);
/** @type {{ id: string }} */
let created;
try {
  created = /** @type {{ id: string }} */ (
    (await httpsCallable(functions, 'createJob')({ type: values.type, input })).data
  );
} catch (e) {
  const err = /** @type {{ code?: string, message?: string }} */ (e);
  console.error(`createJob failed: ${err.code}: ${err.message}`);
  process.exit(1);
}
console.log(`created job ${created.id} (${values.type} ${JSON.stringify(input)}); watching jobs/${created.id} ...`);

const started = Date.now();
const unsubscribe = onSnapshot(
  doc(firestore, 'jobs', created.id),
  (snap) => {
    const job = /** @type {import('@async-jobs/contract').JobDocument<unknown> | undefined} */ (snap.data());
    if (!job) return;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const detail = job.done
      ? job.state === 'COMPLETED'
        ? ` result=${JSON.stringify(job.result)}`
        : ` error=${JSON.stringify(job.error)}`
      : '';
    const progress =
      !job.done && job.progress ? ` ${Math.round(job.progress.percent)}% ${job.progress.message ?? ''}`.trimEnd() : '';
    console.log(`+${seconds}s ${job.state} attempts=${job.attempts}${progress}${detail}`);
    if (job.done) {
      unsubscribe();
      process.exit(job.state === 'COMPLETED' ? 0 : 1);
    }
  },
  (error) => {
    console.error(`listener failed: ${error.code}: ${error.message}`);
    process.exit(1);
  },
);
