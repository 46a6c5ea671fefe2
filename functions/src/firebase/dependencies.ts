import { PubSub } from '@google-cloud/pubsub';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import { config, DEFAULT_WORKER_TIMINGS, params } from '../config';
import { createTaskRegistry } from '../tasks/registry';
import type { CancelJobDeps } from './cancel-job';
import type { CreateJobDeps } from './create-job';
import type { HttpApiDeps } from '../http/http-api';
import { JobQueue } from './job-queue';
import { JobStore } from './job-store';
import type { RunJobDeps } from './run-job';
import type { SweepDeps } from './sweep';

export type Dependencies = CreateJobDeps & RunJobDeps & CancelJobDeps & SweepDeps & HttpApiDeps;

let dependencies: Dependencies | undefined;

/**
 * The clients the functions share within one instance, made on first use rather than at import, so that
 * deploy-time discovery and cold starts do not pay for them. In the emulator the SDKs find the emulators
 * through FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST.
 */
export function getDependencies(): Dependencies {
  if (!dependencies) {
    const app = getApps()[0] ?? initializeApp();
    dependencies = {
      store: new JobStore(getFirestore(app), config.jobsCollection),
      queue: new JobQueue(new PubSub(), config.jobsTopic),
      tasks: createTaskRegistry({ includeTestTasks: config.testTasksEnabled }),
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
  return dependencies;
}
