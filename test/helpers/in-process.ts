/**
 * The functions' handlers run in the test process with dependencies the test chooses, against the same
 * emulators: for what the deployed functions cannot be made to do on cue (a publish that fails, a sweep at a
 * chosen time, a queue the test reads). The real ones are used wherever possible.
 */
import { PubSub } from '@google-cloud/pubsub';
import type { CallableRequest } from 'firebase-functions/v2/https';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { DEFAULT_WORKER_TIMINGS } from '../../functions/src/config';
import type { Dependencies } from '../../functions/src/firebase/dependencies';
import { JobQueue, type TaskQueue } from '../../functions/src/firebase/job-queue';
import { JobStore } from '../../functions/src/firebase/job-store';
import { DEFAULT_MAX_INPUT_BYTES } from '../../functions/src/job/create-request';
import { createTaskRegistry } from '../../functions/src/tasks/registry';
import { adminFirestore } from './admin';
import { emulatorHosts } from './emulators';

/** The real Pub/Sub queue, publishing to the emulator's `jobs` topic (the deployed worker gets the messages). */
export function pubsubQueue(): JobQueue {
  return new JobQueue(new PubSub({ projectId: emulatorHosts().projectId }), 'jobs');
}

/** A queue that keeps what is published instead of sending it, so a test can deliver it by hand. */
export class CapturingQueue implements TaskQueue {
  readonly published: { jobId: string; type: string }[] = [];

  publish(jobId: string, type: string): Promise<string> {
    this.published.push({ jobId, type });
    return Promise.resolve(String(this.published.length));
  }
}

/** A queue whose publish always fails, as Pub/Sub does when it is unreachable. */
export class FailingQueue implements TaskQueue {
  attempts = 0;

  publish(): Promise<string> {
    this.attempts += 1;
    return Promise.reject(new Error('injected: Pub/Sub is unreachable'));
  }
}

/** Dependencies like the deployed functions', on the emulators, with the test tasks and the given overrides. */
export function inProcessDeps(overrides: Partial<Dependencies> = {}): Dependencies {
  return {
    store: new JobStore(adminFirestore(), 'jobs'),
    queue: pubsubQueue(),
    tasks: createTaskRegistry({ includeTestTasks: true }),
    timings: DEFAULT_WORKER_TIMINGS,
    limits: () => ({ maxInputBytes: DEFAULT_MAX_INPUT_BYTES, maxActiveJobsPerUser: 10 }),
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
