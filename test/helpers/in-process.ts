/**
 * The functions' entry points run in the test process with dependencies the test chooses, against the same
 * emulators: for what the deployed functions cannot be made to do on cue (a publish that fails, a sweep at a
 * chosen time, a queue the test reads). The real adapters are used wherever possible.
 */
import { PubSub } from '@google-cloud/pubsub';
import type { SentJob } from '@async-jobs/contract';
import { FirestoreDocumentStore } from '../../library/src/adapters/firestore/firestore-document-store';
import { cloudLogging } from '../../library/src/adapters/logging/cloud-logging';
import { PubSubJobQueue } from '../../library/src/adapters/pubsub/pubsub-job-queue';
import { systemClock } from '../../library/src/adapters/system-clock';
import { getFunctions } from 'firebase-admin/functions';
import { CloudTasksJobTimers, type WakeTaskData } from '../../library/src/adapters/cloud-tasks/cloud-tasks-job-timers';
import { WAKE_FUNCTION_NAME, type Dependencies } from '../../library/src/composition';
import type { JobTimers } from '../../library/src/core/ports/job-timers';
import { config } from '../../library/src/config';
import { DEFAULT_MAX_INPUT_BYTES } from '../../library/src/core/create-request';
import type { DocumentStore } from '../../library/src/core/ports/document-store';
import type { JobQueue } from '../../library/src/core/ports/job-queue';
import { JOB_TIME_FIELDS } from '../../library/src/core/protocol/job-record';
import { StoreLayout } from '../../library/src/core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess } from '../../library/src/core/store/store-access';
import { DEFAULT_POOL } from '../../library/src/core/tasks/task';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { RecentRunTimes } from '../../library/src/core/worker/recent-run-times';
import { poolTopic } from '../../library/src/pools';
import { testTaskRegistry } from '../fixtures/tasks/registries';
import { adminApp, adminFirestore } from './admin';
import { IN_PROCESS_TOKEN } from './callable-request';
import { functionParam, functionStringParam } from './function-params';
import { emulatorHosts } from './emulators';

/** The pools the test suite's functions deploy a worker for (test/fixtures/functions/index.ts). */
const DEPLOYED_POOLS = new Set(testTaskRegistry().pools());

/**
 * The real Pub/Sub queue, publishing to the topic of each job's pool. A pool no test function serves (a test's own,
 * see queued-jobs.ts) has no topic: its jobs go to the standard pool's topic, whose worker runs every task type the
 * test functions serve, so a job a test made in a pool of its own is still run when the test sends it for real.
 */
export function pubsubQueue(): JobQueue {
  return new PubSubJobQueue(new PubSub({ projectId: emulatorHosts().projectId }), (pool) =>
    poolTopic(DEPLOYED_POOLS.has(pool) ? pool : DEFAULT_POOL),
  );
}

/** A message the core published, as the queue was handed it. */
export interface PublishedMessage {
  jobId: string;
  type: string;
  /** The job as the write that sent it left it: what the worker's claim is fenced on. */
  sent: SentJob;
}

/** A queue that keeps what is published instead of sending it, so a test can deliver it by hand. */
export class CapturingQueue implements JobQueue {
  readonly published: PublishedMessage[] = [];

  publish(jobId: string, type: string, sent: SentJob): Promise<string> {
    this.published.push({ jobId, type, sent });
    return Promise.resolve(String(this.published.length));
  }
}

/** A queue whose publish always fails, as Pub/Sub does when it is unreachable. */
export class FailingQueue implements JobQueue {
  attempts = 0;

  publish(): Promise<string> {
    this.attempts += 1;
    return Promise.reject(new Error('injected: Pub/Sub is unreachable'));
  }
}

/**
 * How the core reaches the Firestore emulator, as the functions make it (composition.ts): the Admin SDK's
 * document store with the job protocol's time fields, on `jobsCollection` (the functions' own by default; a test's
 * own name gets owner and pool collections of its own, StoreLayout), on real time. `store` replaces the Firestore
 * store, for a test that wraps it (faults, a narrowed view).
 */
export function emulatorAccess(jobsCollection: string = config.jobsCollection, store?: DocumentStore): StoreAccess {
  return {
    store: store ?? emulatorStore(),
    layout: new StoreLayout(jobsCollection),
    clock: systemClock,
    random: Math.random,
    timings: DEFAULT_STORE_TIMINGS,
  };
}

/** The Firestore document store on the emulator, as the functions make it. */
export function emulatorStore(): FirestoreDocumentStore {
  return new FirestoreDocumentStore(adminFirestore(), JOB_TIME_FIELDS);
}

/**
 * Timers as the functions set them: Cloud Tasks tasks for the test functions' `wakeJobs`, on the Cloud Tasks
 * emulator (which dispatches each at once; the wake function waits for the job's time, entry/wake.ts).
 */
export function cloudTasksTimers(): JobTimers {
  const region = functionStringParam('JOBS_REGION');
  const queue = getFunctions(adminApp()).taskQueue<WakeTaskData>(`locations/${region}/functions/${WAKE_FUNCTION_NAME}`);
  return new CloudTasksJobTimers(queue, () => Date.now());
}

/** Dependencies like the deployed functions', on the emulators, with the test tasks and the given overrides. */
export function inProcessDeps(overrides: Partial<Dependencies> = {}): Dependencies {
  return {
    access: emulatorAccess(),
    queue: pubsubQueue(),
    timers: cloudTasksTimers(),
    tasks: testTaskRegistry(),
    log: cloudLogging,
    timings: DEFAULT_WORKER_TIMINGS,
    invocationTimeoutMs: config.workerTimeoutSeconds * 1000,
    // A worker run here never looks for stale jobs at its job's end: on the shared collection it would recover
    // other test files' jobs at random. The tests that need recovery call the sweep themselves.
    staleCheckRate: 0,
    runTimes: new RecentRunTimes(),
    limits: () => ({ maxInputBytes: DEFAULT_MAX_INPUT_BYTES, maxActiveJobsPerUser: 10, maxWaitsPerUser: 5 }),
    capacity: () => 10,
    // The deployed functions' own grace (functions/.env), so a sweep run here and theirs agree on a lost message.
    dispatchGraceMs: () => functionParam('DISPATCH_GRACE_SECONDS') * 1000,
    retentionDays: () => 30,
    enforceAppCheck: () => false,
    allowAnonymousCreates: () => true,
    // The in-process tests' tokens are callableRequest's, which name their uid; any other is refused.
    verifyIdToken: (token) =>
      token.startsWith(IN_PROCESS_TOKEN)
        ? Promise.resolve({ uid: token.slice(IN_PROCESS_TOKEN.length), anonymous: false })
        : Promise.reject(new Error('not an in-process test token')),
    verifyAppCheckToken: () => Promise.reject(new Error('the in-process tests do not verify App Check tokens')),
    ...overrides,
  };
}

export { callableRequest } from './callable-request';
