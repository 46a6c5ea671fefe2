import type { SentJob } from '@async-jobs/contract';
import type { Millis } from '../job';
import type { JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { JobTimers } from '../ports/job-timers';
import { dispatchWaiting } from '../protocol/dispatch';
import type { StoreAccess } from '../store/store-access';
import { deadlineAfter } from '../store/store-access';
import type { TaskRegistry } from '../tasks/task-registry';

/**
 * What every use case runs on: the store, the queue, the timers, the log, the task types and the settings read per
 * call.
 */
export interface CoreDeps {
  access: StoreAccess;
  queue: JobQueue;
  timers: JobTimers;
  log: JobLog;
  tasks: TaskRegistry;
  /** How many jobs a pool's workers run at once (instances × concurrency): its slots. Read per call. */
  capacity(pool: string): number;
  /** JOB_RETENTION_DAYS, read when a job ends. */
  retentionDays(): number;
}

/**
 * How long a publish may take before the caller stops waiting for it. The Pub/Sub client retries a publish for up to
 * ten minutes; a callable that waited that long would time out although its job exists, and its caller would
 * create it again. A job whose message is late or lost is sent again by the sweep after the dispatch grace.
 */
export const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * How long a create that queued jobs goes on starting rounds of dispatch: in a quiet pool the first round finds the
 * free slot (or none); in a busy one, jobs' ends hand their slots on anyway, and the caller is waiting.
 */
export const DISPATCH_AFTER_CREATE_MS = 2_000;

/** The most waiting jobs one call sends: the next call, job end or sweep sends the rest. */
export const MAX_DISPATCHES_PER_CALL = 10;

/** A job due to be sent to its worker. */
export interface JobToSend {
  id: string;
  type: string;
  sent: SentJob;
}

/** Resolves with the publish's message id, or rejects once it took longer than PUBLISH_TIMEOUT_MS. */
function publishWithin(deps: CoreDeps, job: JobToSend): Promise<string> {
  return new Promise((resolve, reject) => {
    const cancel = deps.access.clock.setTimer(PUBLISH_TIMEOUT_MS, () =>
      reject(new Error(`the publish did not answer within ${PUBLISH_TIMEOUT_MS} ms`)),
    );
    deps.queue.publish(job.id, job.type, job.sent).then(
      (id) => {
        cancel();
        resolve(id);
      },
      (e: unknown) => {
        cancel();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the queue threw
        reject(e);
      },
    );
  });
}

/**
 * Publishes jobs that were sent (they hold a slot and a dispatch time). Never throws: a publish that fails or is
 * late leaves its job sent, and the sweep sends it again after the dispatch grace, as for any lost message.
 */
export async function sendJobs(deps: Pick<CoreDeps, 'access' | 'queue' | 'log'>, jobs: readonly JobToSend[]) {
  await Promise.all(
    jobs.map(async (job) => {
      deps.log.jobDispatched(job.id, job.type, job.sent.pool);
      try {
        await publishWithin(deps as CoreDeps, job);
      } catch (e) {
        deps.log.publishFailed(job.id, e);
      }
    }),
  );
}

/** Sends waiting jobs of the pool to its free slots, never throwing; how many were sent. */
async function dispatchAndSend(
  deps: CoreDeps,
  pool: string,
  max: number,
  firstLook: 'queue' | 'slots',
  deadline = deadlineAfter(deps.access),
): Promise<number> {
  let dispatched;
  try {
    dispatched = await dispatchWaiting(deps.access, pool, deps.capacity(pool), max, firstLook, deadline);
  } catch (e) {
    deps.log.dispatchFailed(pool, e);
    return 0;
  }
  await sendJobs(deps, dispatched);
  return dispatched.length;
}

/**
 * After a slot of the pool was given back (a job ended, or was cancelled or taken back while it held one): the
 * pool's next waiting jobs get it. The queue is looked at first: usually nobody waits, which costs one read.
 */
export function dispatchAfterEnd(deps: CoreDeps, pool: string): Promise<number> {
  return dispatchAndSend(deps, pool, MAX_DISPATCHES_PER_CALL, 'queue');
}

/**
 * After jobs started to wait in the pool: if a slot is free (one was given back while they were being made), the
 * pool's lowest-ranked waiting jobs get it. The slots are looked at first: usually none is free, which costs one read.
 * A job's end gives back its slot and then looks at the queue, and a queued create writes its jobs and then looks at
 * the slots: so of the two, at least one sees the other, and no slot stays free while a job waits. It starts no
 * round past DISPATCH_AFTER_CREATE_MS nor the create's `deadline`, so the caller is answered soon: a slot it left
 * free goes to a waiting job at the next end in the pool, or at the sweep's next run.
 */
export function dispatchAfterQueued(deps: CoreDeps, pool: string, waiting: number, deadline: Millis): Promise<number> {
  const until = Math.min(deadline, deps.access.clock.now() + DISPATCH_AFTER_CREATE_MS);
  return dispatchAndSend(deps, pool, Math.min(waiting, MAX_DISPATCHES_PER_CALL), 'slots', until);
}

/** The sweep's dispatch: fills the pool's free slots, up to `max` of them. */
export function dispatchIntoFreeSlots(deps: CoreDeps, pool: string, max: number): Promise<number> {
  return dispatchAndSend(deps, pool, max, 'slots');
}
