import { cloudLogging } from './adapters/logging/cloud-logging';
import { systemClock } from './adapters/system-clock';
import { config, params } from './config';
import type { TaskDefinition } from './core/tasks/task';
import { poolCapacity, poolTopic, STANDARD_POOL, type PoolDefinition } from './pools';
import { JOB_TIME_FIELDS } from './core/protocol/job-record';
import { StoreLayout } from './core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS } from './core/store/store-access';
import { TaskRegistry } from './core/tasks/task-registry';
import { DEFAULT_WORKER_TIMINGS } from './core/worker/worker-timings';
import type { CallableDeps } from './entry/callable';
import type { HttpApiDeps } from './entry/http/http-api';
import type { WorkerDeps } from './core/worker/run-delivery';
import { RecentRunTimes } from './core/worker/recent-run-times';
import type { SweepDeps } from './core/use-cases/sweep';
import type { WakeTaskData } from './adapters/cloud-tasks/cloud-tasks-job-timers';

/** The deployed name of the function that wakes suspended jobs (asyncJobs' `wakeJobs`), whose queue timers go to. */
export const WAKE_FUNCTION_NAME = 'wakeJobs';

/**
 * The share of job ends that also look for stale jobs (three small queries): one in ten keeps the cost per job at
 * three tenths of a read while a busy pool still finds a dead worker's job within moments of its lease lapsing; a
 * quiet pool's are found by the sweep each minute.
 */
const STALE_CHECK_RATE = 0.1;

/** Everything the entry points need, made once per instance. */
export type Dependencies = CallableDeps & HttpApiDeps & WorkerDeps & SweepDeps;

/**
 * The composition root: the adapters the deployed functions run on (Firestore, Pub/Sub, Cloud Tasks, Cloud Logging,
 * the system clock) and the settings from params, put together for `tasks`. The clients are made on the first
 * invocation rather than at import: the Admin SDK and the Pub/Sub client (with gRPC and protobufjs) are most of
 * what loading the functions costs, and deploy-time discovery and every cold start would otherwise pay for them
 * before serving anything (see docs/benchmarks.md, "Cold start"). In the emulator the SDKs find the emulators
 * through FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST.
 */
export function lazyDependencies(
  tasks: readonly TaskDefinition[],
  pools: ReadonlyMap<string, PoolDefinition>,
): () => Promise<Dependencies> {
  const registry = new TaskRegistry(tasks);
  let dependencies: Promise<Dependencies> | undefined;
  return () => {
    dependencies ??= loadDependencies(registry, pools).catch((e: unknown) => {
      dependencies = undefined; // a failed load is tried again by the next invocation
      throw e;
    });
    return dependencies;
  };
}

async function loadDependencies(
  tasks: TaskRegistry,
  pools: ReadonlyMap<string, PoolDefinition>,
): Promise<Dependencies> {
  const [
    { PubSub },
    { getApps, initializeApp },
    { getAuth },
    { getFirestore },
    { getFunctions },
    { PubSubJobQueue },
    { FirestoreDocumentStore },
    { CloudTasksJobTimers },
  ] = await Promise.all([
    import('@google-cloud/pubsub'),
    import('firebase-admin/app'),
    import('firebase-admin/auth'),
    import('firebase-admin/firestore'),
    import('firebase-admin/functions'),
    import('./adapters/pubsub/pubsub-job-queue'),
    import('./adapters/firestore/firestore-document-store'),
    import('./adapters/cloud-tasks/cloud-tasks-job-timers'),
  ]);
  const app = getApps()[0] ?? initializeApp();
  const wakeQueue = getFunctions(app).taskQueue<WakeTaskData>(
    `locations/${params.region.value()}/functions/${WAKE_FUNCTION_NAME}`,
  );
  const poolOf = (name: string) => pools.get(name) ?? STANDARD_POOL;
  return {
    access: {
      store: new FirestoreDocumentStore(getFirestore(app), JOB_TIME_FIELDS),
      layout: new StoreLayout(config.jobsCollection),
      clock: systemClock,
      random: Math.random,
      timings: DEFAULT_STORE_TIMINGS,
    },
    queue: new PubSubJobQueue(new PubSub(), poolTopic),
    timers: new CloudTasksJobTimers(wakeQueue, () => systemClock.now()),
    tasks,
    log: cloudLogging,
    timings: DEFAULT_WORKER_TIMINGS,
    invocationTimeoutMs: config.workerTimeoutSeconds * 1000,
    staleCheckRate: STALE_CHECK_RATE,
    runTimes: new RecentRunTimes(),
    limits: () => ({
      maxInputBytes: params.maxInputBytes.value(),
      maxActiveJobsPerUser: params.maxActiveJobsPerUser.value(),
      maxWaitsPerUser: params.maxWaitsPerUser.value(),
    }),
    capacity: (pool) => poolCapacity(poolOf(pool)),
    retentionDays: () => params.jobRetentionDays.value(),
    dispatchGraceMs: () => params.dispatchGraceSeconds.value() * 1000,
    enforceAppCheck: () => params.enforceAppCheck.value(),
    allowAnonymousCreates: () => params.allowAnonymousCreates.value(),
    verifyIdToken: async (token, checkRevoked) => {
      const decoded = await getAuth(app).verifyIdToken(token, checkRevoked);
      return { uid: decoded.uid, anonymous: decoded.firebase.sign_in_provider === 'anonymous' };
    },
    // Loaded on first use: only a deployment that enforces App Check verifies its tokens here.
    verifyAppCheckToken: async (token) => {
      const { getAppCheck } = await import('firebase-admin/app-check');
      await getAppCheck(app).verifyToken(token);
    },
  };
}
