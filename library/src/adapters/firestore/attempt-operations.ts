import type { JobError, JobProgress } from '@async-jobs/contract';
import { FieldValue, Timestamp, type UpdateData } from 'firebase-admin/firestore';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Job, JobDurations, JobOutcome, Millis } from '../../core/job';
import { canTransition, isJobState } from '../../core/job-states';
import type {
  AttemptOperations,
  AttemptRef,
  AttemptWriteResult,
  ClaimResult,
  JobRead,
} from '../../core/ports/job-repository';
import { beforeRetryingWrite, isTransientError } from './commit-errors';
import { serverTime, timestamp, type FirestoreJob } from './job-codec';
import { holdingsOf, releaseWrites, type ReleaseWrite } from './job-holdings';
import type { JobsCollection } from './jobs-collection';
import type { SchedulingCollections } from './scheduling-collections';
import { terminalFields } from './terminal-fields';

/** The version a read or a write left, as this adapter makes it: the document's update time. */
const asUpdateTime = (version: unknown): Timestamp | undefined => (version instanceof Timestamp ? version : undefined);

/**
 * The worker's attempt protocol on Firestore, with fenced single writes rather than transactions: a write is an
 * update with the precondition `lastUpdateTime`, the update time of the read or write it was decided on. So the
 * usual case is one write and no read; a write that loses a race fails its precondition and is decided again on a
 * fresh read.
 */
export class FirestoreAttemptOperations implements Omit<AttemptOperations, 'watch'> {
  constructor(
    private readonly docs: JobsCollection,
    private readonly collections: SchedulingCollections,
  ) {}

  read(id: string): Promise<JobRead> {
    return this.docs.read(id);
  }

  isTransientError(e: unknown): boolean {
    return isTransientError(e);
  }

  /**
   * CREATED → RUNNING with attempts + 1 and a lease of `leaseMs`, or says why not. `seen` is the read the caller
   * decided on: the claim is an update fenced by that read's update time (one write, no second read), and only
   * if the job changed since is it read again. Of two workers claiming at once, one update fails its fence and
   * finds the job claimed. A commit that reports an error may still have been applied: the claim's random
   * `claimId` tells this worker's claim from another's when it reads the job again. A job still waiting for a
   * slot of its pool is not claimable: only a dispatched job runs. The attempt carries what the job holds (its
   * admission place, its slot), which its end gives back without reading the job.
   */
  async claim(id: string, now: Millis, leaseMs: number, seen?: JobRead): Promise<ClaimResult> {
    const claimId = randomUUID();
    let read = seen ?? (await this.docs.read(id));
    for (let tries = 1; ; tries++) {
      const { job } = read;
      const updateTime = asUpdateTime(read.version);
      if (!job || !updateTime) return { claimed: false, reason: 'not-found' };
      const holdings = holdingsOf(job);
      if (job.state === 'RUNNING' && job.claimId === claimId) {
        // Our own claim, applied although its commit reported an error (see below).
        const attempt = { id, attempt: job.attempts, claimId, version: updateTime, holdings };
        return { claimed: true, job, attempt };
      }
      if (!isJobState(job.state) || !canTransition(job.state, 'RUNNING') || job.waiting === true) {
        return { claimed: false, reason: 'not-claimable', state: job.state };
      }
      const attempts = (job.attempts ?? 0) + 1;
      const leaseExpireTime = now + leaseMs;
      try {
        const { writeTime } = await this.docs.ref(id).update(
          {
            state: 'RUNNING',
            attempts,
            claimId,
            waitReason: null,
            startTime: serverTime(),
            updateTime: serverTime(),
            leaseExpireTime: timestamp(leaseExpireTime),
          },
          { lastUpdateTime: updateTime },
        );
        // The server timestamps are the commit's time (the emulator's may lag it by a ms or two): the job as it
        // now stands, without reading it back.
        const start = writeTime.toMillis();
        const claimed: Job = {
          ...job,
          state: 'RUNNING',
          attempts,
          claimId,
          waitReason: null,
          startTime: start,
          updateTime: start,
          leaseExpireTime,
        };
        const attempt = { id, attempt: attempts, claimId, version: writeTime, holdings };
        return { claimed: true, job: claimed, attempt };
      } catch (e) {
        await beforeRetryingWrite(e, tries);
        // The commit may have been applied after all: the read shows whose claim the job holds, by claimId.
        read = await this.docs.read(id);
      }
    }
  }

  /**
   * Writes `data` only while the job is RUNNING on `at`'s attempt and claim, and `at` has not ended; returns
   * whether it did. The write is fenced by the update time of the attempt's own last write, so the usual case is a
   * single write. If anything else wrote the job since (the owner's cancel request, the sweep), the fence fails
   * and the job is read again: still this attempt's, the write is retried against the new update time; otherwise
   * it is refused. So nothing of an attempt writes a job that is terminal or that another claim holds.
   *
   * With `release`, the same commit gives back what the job holds (`at.holdings`, refreshed by each read): a
   * batch of the fenced update and the holdings' writes, which a failed fence fails entirely, so a superseded
   * attempt gives nothing back.
   *
   * A commit can be applied although it reports an error (its answer lost, then the client library's own retry
   * failing the fence): `shows` recognizes the job as this write left it, so that counts as written.
   */
  private async writeForAttempt(
    at: AttemptRef,
    data: UpdateData<FirestoreJob>,
    shows?: (job: Job) => boolean,
    release = false,
  ): Promise<AttemptWriteResult> {
    for (let tries = 1; ; tries++) {
      if (at.ended) return { written: false };
      let fence = asUpdateTime(at.version);
      if (!fence) {
        const { job, version } = await this.docs.read(at.id);
        if (job && tries > 1 && shows?.(job)) {
          at.version = version;
          return { written: true, state: job.state };
        }
        const ours = job?.attempts === at.attempt && (at.claimId === undefined || job.claimId === at.claimId);
        if (job?.state !== 'RUNNING' || !ours) return { written: false, state: job?.state };
        fence = asUpdateTime(version);
        if (!fence) return { written: false, state: job.state };
        at.version = fence;
        at.holdings = holdingsOf(job);
      }
      try {
        at.version = await this.commit(at, data, fence, release ? releaseWrites(this.collections, at.holdings) : []);
        return { written: true, state: 'RUNNING' };
      } catch (e) {
        await beforeRetryingWrite(e, tries);
        at.version = undefined;
      }
    }
  }

  /** The fenced update, alone or in a batch with `alsoWrite`; the job's new update time. */
  private async commit(
    at: AttemptRef,
    data: UpdateData<FirestoreJob>,
    fence: Timestamp,
    alsoWrite: ReleaseWrite[],
  ): Promise<Timestamp> {
    const precondition = { lastUpdateTime: fence };
    const ref = this.docs.ref(at.id);
    if (alsoWrite.length === 0) return (await ref.update(data, precondition)).writeTime;
    const batch = this.docs.db.batch().update(ref, data, precondition);
    for (const write of alsoWrite) batch.set(write.ref, write.data, { merge: true });
    const [jobWrite] = await batch.commit();
    if (!jobWrite) throw new Error('a batch committed without its first write');
    return jobWrite.writeTime;
  }

  /**
   * Writes the attempt's end (a terminal state with `release`, or a requeue); once written, `at` writes nothing
   * more.
   */
  private async endAttempt(
    at: AttemptRef,
    data: UpdateData<FirestoreJob>,
    shows: (job: Job) => boolean,
    release = false,
  ) {
    const result = await this.writeForAttempt(at, data, shows, release);
    if (result.written) at.ended = true;
    return result;
  }

  async finish(
    at: AttemptRef,
    outcome: JobOutcome,
    now: Millis,
    retentionDays: number,
    durations?: JobDurations,
  ): Promise<AttemptWriteResult> {
    const ending =
      outcome.state === 'COMPLETED'
        ? { result: outcome.result ?? null, error: FieldValue.delete() }
        : { error: outcome.error };
    const fields = terminalFields(outcome.state, now, retentionDays);
    // The result is any value Firestore can store; UpdateData has no type for `unknown`.
    return this.endAttempt(
      at,
      { ...fields, ...ending, ...durations } as UpdateData<FirestoreJob>,
      // This attempt's own end: its state, its attempt, the expireTime computed here to the millisecond, and what
      // no other writer's end has (the sweep's or the owner's writes no durations and their own error), since the
      // sweep can end the job at the very millisecond this attempt does.
      (job) =>
        job.state === outcome.state &&
        job.attempts === at.attempt &&
        job.expireTime === fields.expireTime.toMillis() &&
        job.runMillis === durations?.runMillis &&
        (outcome.state === 'COMPLETED' || isDeepStrictEqual(job.error, outcome.error)),
      true,
    );
  }

  /** The job keeps its slot while the retry's backoff runs: the retry is already dispatched. */
  async requeue(at: AttemptRef, error: JobError, dispatchAt: Millis): Promise<AttemptWriteResult> {
    return this.endAttempt(
      at,
      {
        state: 'CREATED',
        error,
        dispatchTime: timestamp(dispatchAt),
        leaseExpireTime: null,
        waitReason: 'retry-backoff',
        updateTime: serverTime(),
      },
      // This attempt's own requeue: queued again at the dispatch time chosen here, to the millisecond, with its error
      // (the sweep's retry, which may choose the same time, records the worker-lost error).
      (job) =>
        job.state === 'CREATED' &&
        job.attempts === at.attempt &&
        job.dispatchTime === dispatchAt &&
        isDeepStrictEqual(job.error, error),
    );
  }

  async writeProgress(at: AttemptRef, progress: JobProgress): Promise<AttemptWriteResult> {
    return this.writeForAttempt(at, { progress, updateTime: serverTime() });
  }

  /** The running worker's heartbeat: one fenced write, refused once the attempt was superseded or ended. */
  async renewLease(at: AttemptRef, leaseExpireTime: Millis): Promise<AttemptWriteResult> {
    return this.writeForAttempt(at, { leaseExpireTime: timestamp(leaseExpireTime), updateTime: serverTime() });
  }
}
