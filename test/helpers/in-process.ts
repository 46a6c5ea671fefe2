/**
 * The functions' entry points run in the test process with dependencies the test chooses, against the same
 * emulators: for what the deployed functions cannot be made to do on cue (a publish that fails, a sweep at a
 * chosen time, a queue the test reads). The real adapters are used wherever possible.
 */
import { PubSub } from '@google-cloud/pubsub';
import type { CallableRequest } from 'firebase-functions/v2/https';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { firestoreJobRepository } from '../../library/src/adapters/firestore/firestore-job-repository';
import { cloudLogging } from '../../library/src/adapters/logging/cloud-logging';
import { PubSubJobQueue } from '../../library/src/adapters/pubsub/pubsub-job-queue';
import { systemClock } from '../../library/src/adapters/system-clock';
import type { Dependencies } from '../../library/src/composition';
import { DEFAULT_MAX_INPUT_BYTES } from '../../library/src/core/create-request';
import type { JobQueue } from '../../library/src/core/ports/job-queue';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { poolTopic } from '../../library/src/pools';
import { testTaskRegistry } from '../fixtures/tasks/registries';
import { adminFirestore } from './admin';
import { functionParam } from './function-params';
import { emulatorHosts } from './emulators';

/** The real Pub/Sub queue, publishing to the topic of each job's pool (the emulator's workers get the messages). */
export function pubsubQueue(): JobQueue {
  const registry = testTaskRegistry();
  return new PubSubJobQueue(new PubSub({ projectId: emulatorHosts().projectId }), (type) =>
    poolTopic(registry.poolOf(type)),
  );
}

/** A queue that keeps what is published instead of sending it, so a test can deliver it by hand. */
export class CapturingQueue implements JobQueue {
  readonly published: { jobId: string; type: string }[] = [];

  publish(jobId: string, type: string): Promise<string> {
    this.published.push({ jobId, type });
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

/** The Firestore job repository on the emulator, as the functions make it. */
export const emulatorJobs = () => firestoreJobRepository(adminFirestore(), 'jobs');

/** Dependencies like the deployed functions', on the emulators, with the test tasks and the given overrides. */
export function inProcessDeps(overrides: Partial<Dependencies> = {}): Dependencies {
  return {
    jobs: emulatorJobs(),
    queue: pubsubQueue(),
    tasks: testTaskRegistry(),
    clock: systemClock,
    log: cloudLogging,
    timings: DEFAULT_WORKER_TIMINGS,
    limits: () => ({ maxInputBytes: DEFAULT_MAX_INPUT_BYTES, maxActiveJobsPerUser: 10, maxWaitsPerUser: 5 }),
    capacity: () => 10,
    // The deployed functions' own grace (functions/.env), so a sweep run here and theirs agree on a lost message.
    dispatchGraceMs: () => functionParam('DISPATCH_GRACE_SECONDS') * 1000,
    retentionDays: () => 30,
    enforceAppCheck: () => false,
    verifyIdToken: () => Promise.reject(new Error('the in-process tests do not verify tokens')),
    ...overrides,
  };
}

/** A callable request as firebase-functions hands it to a handler, from `uid` (or signed out). */
export function callableRequest(uid: string | undefined, data: unknown): CallableRequest<unknown> {
  return {
    data,
    auth: uid ? { uid, token: { uid } as DecodedIdToken, rawToken: 'test' } : undefined,
    rawRequest: {} as CallableRequest['rawRequest'],
    acceptsStreaming: false,
  };
}
