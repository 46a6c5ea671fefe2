import type { SentJob, TerminalJobState } from '@async-jobs/contract';
import { expireTimeFor, type Job, type Millis } from '../job';
import { DEFAULT_POOL } from '../tasks/task';
import { serverTime, type StoredDocument, type Version, type WriteData } from '../ports/document-store';

/** The job fields that hold times (epoch ms in the core; Timestamps in Firestore, for the rules, clients and TTL). */
export const JOB_TIME_FIELDS: ReadonlySet<string> = new Set([
  'createTime',
  'updateTime',
  'startTime',
  'doneTime',
  'dispatchTime',
  'leaseExpireTime',
  'expireTime',
]);

/** A job as read: its id, its fields, and the version a write decided on this read is fenced on. */
export interface JobAt {
  id: string;
  job: Job;
  version: Version;
}

/** A stored job document as the core sees it (only the functions write jobs, so its fields are the protocol's). */
export function jobAt(doc: StoredDocument): JobAt {
  return { id: doc.id, job: doc.data as unknown as Job, version: doc.version };
}

/**
 * The fields every write that ends a job sets: a done job holds no slot, waits for nothing and has no lease;
 * `expireTime` is when the TTL policy may delete it.
 */
export function terminalFields(state: TerminalJobState, now: Millis, retentionDays: number): WriteData {
  return {
    state,
    done: true,
    doneTime: serverTime(),
    updateTime: serverTime(),
    leaseExpireTime: null,
    expireTime: expireTimeFor(now, retentionDays),
    slot: null,
    waiting: false,
    waitReason: null,
  };
}

/**
 * The job as the write that sent it (a dispatch, a requeue, a republish) left it: what its message carries, so the
 * worker's claim can be fenced on `version` and need no read.
 */
export function sentJob(job: Job, version: Version, dispatchTime: Millis, slot: number | null): SentJob {
  return {
    version,
    owner: job.owner,
    pool: job.pool ?? DEFAULT_POOL,
    input: job.input,
    attempts: job.attempts,
    slot,
    createTime: job.createTime,
    dispatchTime,
    ...(isSuspended(job) ? { continues: true, startTime: job.startTime ?? job.createTime } : {}),
  };
}

/**
 * A RUNNING job no worker holds (no lease): between two invocations of its attempt, asleep, about to continue, or
 * sent to a worker to go on. Its claim is a continuation's (the attempt and start time stay).
 */
export function isSuspended(job: Job): boolean {
  return job.state === 'RUNNING' && job.leaseExpireTime == null;
}

/**
 * A job due to be queued at `dispatchTime`, in no queue and holding no slot: suspended (a continuation, a sleep), or
 * CREATED and waiting out a retry's backoff or a delayed create's delay. Its timer, or the sweep, puts it in its
 * pool's queue once due (protocol/resume.ts).
 */
export function isParked(job: Job): boolean {
  return (
    (isSuspended(job) || job.state === 'CREATED') &&
    job.waiting !== true &&
    job.slot == null &&
    typeof job.dispatchTime === 'number'
  );
}
