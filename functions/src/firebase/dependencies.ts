import { config, DEFAULT_WORKER_TIMINGS, params } from '../config';
import type { HttpApiDeps } from '../http/http-api';
import type { CancelJobDeps } from './cancel-job';
import type { CreateJobDeps } from './create-job';
import type { RunJobDeps } from './run-job';
import type { SweepDeps } from './sweep';

export type Dependencies = CreateJobDeps & RunJobDeps & CancelJobDeps & SweepDeps & HttpApiDeps;

let dependencies: Promise<Dependencies> | undefined;

/**
 * The clients the functions share within one instance, made on the first invocation rather than at import:
 * the Admin SDK and the Pub/Sub client (with gRPC and protobufjs) are most of what loading the functions costs,
 * and deploy-time discovery and every cold start would otherwise pay for them before serving anything (see
 * docs/benchmarks.md, "Cold start"). In the emulator the SDKs find the emulators through FIRESTORE_EMULATOR_HOST
 * and PUBSUB_EMULATOR_HOST.
 */
export function getDependencies(): Promise<Dependencies> {
  dependencies ??= loadDependencies().catch((e: unknown) => {
    dependencies = undefined; // a failed load is tried again by the next invocation
    throw e;
  });
  return dependencies;
}

async function loadDependencies(): Promise<Dependencies> {
  const [{ PubSub }, { getApps, initializeApp }, { getAuth }, { getFirestore }, { JobQueue }, { JobStore }, registry] =
    await Promise.all([
      import('@google-cloud/pubsub'),
      import('firebase-admin/app'),
      import('firebase-admin/auth'),
      import('firebase-admin/firestore'),
      import('./job-queue'),
      import('./job-store'),
      import('../tasks/registry'),
    ]);
  const app = getApps()[0] ?? initializeApp();
  return {
    store: new JobStore(getFirestore(app), config.jobsCollection),
    queue: new JobQueue(new PubSub(), config.jobsTopic),
    tasks: registry.createTaskRegistry({ includeTestTasks: config.testTasksEnabled }),
    timings: DEFAULT_WORKER_TIMINGS,
    limits: () => ({
      maxInputBytes: params.maxInputBytes.value(),
      maxActiveJobsPerUser: params.maxActiveJobsPerUser.value(),
    }),
    retentionDays: () => params.jobRetentionDays.value(),
    enforceAppCheck: () => params.enforceAppCheck.value(),
    verifyIdToken: (token) => getAuth(app).verifyIdToken(token),
  };
}
