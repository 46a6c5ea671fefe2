import type { JobState, SentJob } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type Millis } from '../job';
import { randomId } from '../job-id';
import { isLostRace, isTransientStoreError, serverTime, type Write } from '../ports/document-store';
import { bounded, read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { DEFAULT_POOL } from '../tasks/task';
import type { Attempt } from './attempt';
import { isSuspended, jobAt, sentJob, terminalFields, type JobAt } from './job-record';
import { freeSlot } from './pool-slots';

export type ClaimOutcome =
  | { kind: 'claimed'; job: Job; attempt: Attempt }
  | { kind: 'not-found' }
  /** Running, done, or still waiting for a slot: this delivery is a duplicate or stale. */
  | { kind: 'not-claimable'; state: JobState }
  /** A retry whose backoff has not ended; `sent` is the job as read, to claim once it is due. */
  | { kind: 'not-due'; dueAt: Millis; sent: SentJob }
  /** A queued job whose owner asked to cancel it: ended CANCELLED now, its slot given back. */
  | { kind: 'cancelled'; job: Job };

/**
 * The claim's update: RUNNING, a new claim id and a lease of `leaseMs`; one more attempt, starting now, unless the
 * claim continues a suspended attempt (which keeps its number and start time).
 */
function claimData(attempts: number, claimId: string, leaseExpireTime: Millis, continues: boolean) {
  return {
    state: 'RUNNING',
    attempts,
    claimId,
    ...(continues ? {} : { startTime: serverTime() }),
    updateTime: serverTime(),
    leaseExpireTime,
    waitReason: null,
  };
}

/** The attempt a claim starts, from the job as claimed. */
function attemptOf(id: string, job: Job, version: string, claimId: string, now: Millis, continues: boolean): Attempt {
  return {
    continues,
    id,
    type: job.type,
    owner: job.owner,
    pool: job.pool ?? DEFAULT_POOL,
    input: job.input,
    attempt: job.attempts,
    claimId,
    version,
    slot: job.slot ?? null,
    createTime: job.createTime,
    startTime: job.startTime ?? now,
    leaseExpireTime: job.leaseExpireTime ?? now,
    ended: false,
    cancelRequested: false,
  };
}

/**
 * CREATED → RUNNING with one more attempt and a lease, or says why not. With `sent` (the job as its message carries
 * it), the claim is one update fenced on the version it was sent at: no read when the job is still exactly as sent,
 * the usual case. Otherwise, or when that fence fails (a duplicate delivery, a job cancelled or claimed meanwhile),
 * the job is read and the claim decided on it. A claim whose commit reported an error may have been applied: its
 * random `claimId` tells this claim from another's when the job is read again.
 */
export async function claimJob(
  access: StoreAccess,
  jobId: string,
  type: string,
  sent: SentJob | undefined,
  leaseMs: number,
  retentionDays: number,
  deadline: Millis,
): Promise<ClaimOutcome> {
  const claimId = randomId(access.random);
  const path = access.layout.job(jobId);
  // Whether the claim being made continues a suspended attempt: a job read again that shows this claim applied
  // (its commit's answer lost) is claimed as that claim was decided.
  const claiming = { continues: sent?.continues === true };
  if (sent && sent.dispatchTime <= access.clock.now()) {
    const now = access.clock.now();
    const continues = sent.continues === true;
    const attempts = continues ? sent.attempts : sent.attempts + 1;
    try {
      const commit = await bounded(access, () =>
        access.store.commit([
          {
            op: 'update',
            path,
            data: claimData(attempts, claimId, now + leaseMs, continues),
            ifVersion: sent.version,
          },
        ]),
      );
      const job = {
        owner: sent.owner,
        type,
        input: sent.input,
        state: 'RUNNING',
        done: false,
        attempts,
        pool: sent.pool,
        slot: sent.slot,
        claimId,
        createTime: sent.createTime,
        updateTime: commit.time,
        startTime: continues ? (sent.startTime ?? sent.createTime) : commit.time,
        doneTime: null,
        dispatchTime: sent.dispatchTime,
        leaseExpireTime: now + leaseMs,
        waiting: false,
        waitReason: null,
      } as Job;
      const attempt = attemptOf(jobId, job, commit.versions[0] ?? '', claimId, now, continues);
      return { kind: 'claimed', job, attempt };
    } catch (e) {
      if (!isLostRace(e) && !isTransientStoreError(e)) throw e;
      // Not as sent (or the answer was lost): decided on the job as it is now.
    }
  }
  return transition<ClaimOutcome>(
    access,
    async (): Promise<Decision<ClaimOutcome>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      if (!doc) return { answer: { kind: 'not-found' } };
      return decideClaim(access, jobAt(doc), claiming, claimId, leaseMs, retentionDays);
    },
    deadline,
  );
}

/** The claim decided on the job as read; `claiming.continues` says whether the claim it makes continues an attempt. */
function decideClaim(
  access: StoreAccess,
  { id, job, version }: JobAt,
  claiming: { continues: boolean },
  claimId: string,
  leaseMs: number,
  retentionDays: number,
): Decision<ClaimOutcome> {
  const now = access.clock.now();
  if (job.state === 'RUNNING' && job.claimId === claimId && !isSuspended(job)) {
    return {
      answer: { kind: 'claimed', job, attempt: attemptOf(id, job, version, claimId, now, claiming.continues) },
    };
  }
  // A job runs only once sent (holding a slot): one waiting in the queue, parked until its time (a retry's backoff,
  // a sleep) or in a worker's hands already takes no claim from a delivery, which is stale.
  const continues = isSuspended(job);
  claiming.continues = continues;
  const sent = job.waiting !== true && typeof job.slot === 'number';
  if (!sent || (job.state !== 'CREATED' && !continues)) {
    return { answer: { kind: 'not-claimable', state: job.state } };
  }
  const path = access.layout.job(id);
  if (job.cancelRequested === true) {
    const writes: Write[] = [
      {
        op: 'update',
        path,
        data: { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER },
        ifVersion: version,
      },
    ];
    if (typeof job.slot === 'number') writes.push(freeSlot(access, job.pool ?? DEFAULT_POOL, job.slot));
    return { writes, answer: () => ({ kind: 'cancelled', job }) };
  }
  const dueAt = job.dispatchTime ?? now;
  if (dueAt > now) return { answer: { kind: 'not-due', dueAt, sent: sentJob(job, version, dueAt, job.slot ?? null) } };
  const leaseExpireTime = now + leaseMs;
  const attempts = continues ? job.attempts : job.attempts + 1;
  return {
    writes: [
      { op: 'update', path, data: claimData(attempts, claimId, leaseExpireTime, continues), ifVersion: version },
    ],
    answer: (commit) => {
      const claimed: Job = {
        ...job,
        state: 'RUNNING',
        attempts,
        claimId,
        startTime: continues ? job.startTime : commit.time,
        updateTime: commit.time,
        leaseExpireTime,
        waitReason: null,
      };
      const attempt = attemptOf(id, claimed, commit.versions[0] ?? '', claimId, now, continues);
      return { kind: 'claimed', job: claimed, attempt };
    },
  };
}
