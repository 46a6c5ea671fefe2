import type { JobError, JobState, SentJob } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, WORKER_LOST, type Job, type Millis } from '../job';
import { serverTime, type Filter, type Write } from '../ports/document-store';
import type { RecoveryAction } from '../recovery';
import { read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { DEFAULT_POOL } from '../tasks/task';
import { jobAt, sentJob, terminalFields, type JobAt } from './job-record';
import { freeSlot } from './pool-slots';

/** What recovering one job did. */
export interface Recovered {
  action: RecoveryAction;
  job: Job;
  /** Set when the job is due to be sent to its worker again (republish, retry). */
  sent?: SentJob;
  /** Set when its end gave back a slot of this pool. */
  freedSlotOf?: string;
}

/**
 * Jobs of one state whose time field is before `time` (and whose fields in `alsoEqual` have those values), oldest
 * first, at most `limit`.
 */
async function jobsBefore(
  access: StoreAccess,
  state: JobState,
  field: 'dispatchTime' | 'leaseExpireTime',
  time: Millis,
  limit: number,
  deadline: Millis,
  alsoEqual: readonly Filter[] = [],
): Promise<JobAt[]> {
  const docs = await read(
    access,
    () =>
      access.store.query({
        collection: access.layout.jobs,
        where: [{ field: 'state', op: '==', value: state }, ...alsoEqual, { field, op: '<', value: time }],
        orderBy: [{ field, direction: 'asc' }],
        limit,
      }),
    deadline,
  );
  return docs.map(jobAt);
}

/** CREATED jobs sent before `time` (their message may be lost), oldest first. */
export function sentBefore(access: StoreAccess, time: Millis, limit: number, deadline: Millis): Promise<JobAt[]> {
  return jobsBefore(access, 'CREATED', 'dispatchTime', time, limit, deadline);
}

/** RUNNING jobs whose lease lapsed before `time` (their worker is presumed dead), oldest first. */
export function leaseLapsedBefore(
  access: StoreAccess,
  time: Millis,
  limit: number,
  deadline: Millis,
): Promise<JobAt[]> {
  return jobsBefore(access, 'RUNNING', 'leaseExpireTime', time, limit, deadline);
}

/**
 * RUNNING jobs no worker holds (suspended: asleep, continuing, or sent to go on) due before `time`, oldest first: a
 * parked one's timer, or a sent one's message, may be lost.
 */
export function suspendedDueBefore(
  access: StoreAccess,
  time: Millis,
  limit: number,
  deadline: Millis,
): Promise<JobAt[]> {
  const unheld: Filter = { field: 'leaseExpireTime', op: '==', value: null };
  return jobsBefore(access, 'RUNNING', 'dispatchTime', time, limit, deadline, [unheld]);
}

/** The writes that end a job the sweep took back, with its slot given back. */
function endWrites(
  access: StoreAccess,
  id: string,
  job: Job,
  version: string,
  state: 'FAILED' | 'CANCELLED',
  error: JobError,
  now: Millis,
  retentionDays: number,
): Write[] {
  const writes: Write[] = [
    {
      op: 'update',
      path: access.layout.job(id),
      data: { ...terminalFields(state, now, retentionDays), error },
      ifVersion: version,
    },
  ];
  if (typeof job.slot === 'number') writes.push(freeSlot(access, job.pool ?? DEFAULT_POOL, job.slot));
  return writes;
}

/** The change `action` makes to the job as read. */
function recoveryDecision(
  access: StoreAccess,
  { id, job, version }: JobAt,
  action: RecoveryAction,
  retentionDays: number,
  endError: JobError,
): Decision<Recovered> {
  const now = access.clock.now();
  const path = access.layout.job(id);
  const pool = job.pool ?? DEFAULT_POOL;
  const slot = job.slot ?? null;
  switch (action) {
    case 'none':
      return { answer: { action, job } };
    case 'republish':
      return {
        writes: [
          { op: 'update', path, data: { dispatchTime: serverTime(), updateTime: serverTime() }, ifVersion: version },
        ],
        answer: (commit) => ({ action, job, sent: sentJob(job, commit.versions[0] ?? '', commit.time, slot) }),
      };
    case 'retry':
      return {
        writes: [
          {
            op: 'update',
            path,
            data: {
              state: 'CREATED',
              error: WORKER_LOST,
              dispatchTime: serverTime(),
              leaseExpireTime: null,
              waitReason: null,
              updateTime: serverTime(),
            },
            ifVersion: version,
          },
        ],
        answer: (commit) => ({ action, job, sent: sentJob(job, commit.versions[0] ?? '', commit.time, slot) }),
      };
    case 'fail':
    case 'cancel': {
      const state = action === 'cancel' ? 'CANCELLED' : 'FAILED';
      const error = action === 'cancel' ? CANCELLED_BY_OWNER : endError;
      return {
        writes: endWrites(access, id, job, version, state, error, now, retentionDays),
        answer: () => ({ action, job, ...(slot === null ? {} : { freedSlotOf: pool }) }),
      };
    }
  }
}

/**
 * Recovers one job the sweep found, deciding on the job as the query returned it and, after a lost race, as read
 * again: each change is fenced on the read it was decided on, so a worker that claims or ends the job meanwhile
 * wins and the sweep does what the job as it now stands calls for (usually nothing). `endError` is what a job that
 * is ended for good records (the worker-lost error by default).
 */
export async function recoverJob(
  access: StoreAccess,
  found: JobAt,
  decide: (job: Job) => RecoveryAction,
  retentionDays: number,
  deadline: Millis,
  endError: JobError = WORKER_LOST,
): Promise<Recovered | undefined> {
  let current: JobAt | undefined = found;
  return transition<Recovered | undefined>(
    access,
    async () => {
      if (!current) {
        const doc = await read(access, () => access.store.get(access.layout.job(found.id)), deadline);
        if (!doc) return { answer: undefined };
        current = jobAt(doc);
      }
      const decision = recoveryDecision(access, current, decide(current.job), retentionDays, endError);
      current = undefined; // a next round reads the job again
      return decision;
    },
    deadline,
  );
}
