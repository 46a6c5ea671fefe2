import { isDeepStrictEqual } from 'node:util';
import type { JobError, JobProgress } from '@async-jobs/contract';
import type { Job, JobDurations, JobOutcome, Millis } from '../../core/job';
import { canTransition, isJobState } from '../../core/job-states';
import type {
  AttemptOperations,
  AttemptRef,
  AttemptWriteResult,
  ClaimResult,
  JobRead,
} from '../../core/ports/job-repository';
import { givingBack, holdingsOf } from './job-holdings';
import { DELETE_FIELD, SERVER_TIME, type JobFields } from './job-table';
import { isTransientStoreError } from './memory-store-errors';
import { randomUuid } from './seeded-random';
import type { OtherWrites, TableAccess } from './table-access';
import { terminalFields } from './terminal-fields';

/** The version a read or a write left, as this adapter makes it: a number from the table's counter. */
const asVersion = (version: unknown): number | undefined => (typeof version === 'number' ? version : undefined);

/**
 * The worker's attempt protocol in memory, step for step as FirestoreAttemptOperations: fenced single writes (an
 * update with the version of the read or write it was decided on), a fresh read only when the fence fails, and
 * after a failed commit the check whether the job already shows the write (an ambiguous commit was applied). The
 * attempt's end gives back what the job holds (`AttemptRef.holdings`, as the claim or the last read found it) in
 * the same commit: a batch with the fenced write, so a refused write gives back nothing.
 */
export class MemoryAttemptOperations implements Omit<AttemptOperations, 'watch'> {
  constructor(private readonly access: TableAccess) {}

  read(id: string): Promise<JobRead> {
    return this.access.read(id);
  }

  isTransientError(e: unknown): boolean {
    return isTransientStoreError(e);
  }

  /**
   * CREATED → RUNNING with attempts + 1 and a lease of `leaseMs`, fenced by the version of `seen` (or of a fresh
   * read); a job that changed since is read again. A job still waiting for a worker slot is not claimable. The
   * claim's random `claimId` tells this claim from another's when a commit that reported an error was applied after
   * all. The attempt carries what the job holds, for its end to give back.
   */
  async claim(id: string, now: Millis, leaseMs: number, seen?: JobRead): Promise<ClaimResult> {
    const claimId = randomUuid(this.access.store.random);
    let read = seen ?? (await this.access.read(id));
    for (let tries = 1; ; tries++) {
      const { job } = read;
      const version = asVersion(read.version);
      if (!job || version === undefined) return { claimed: false, reason: 'not-found' };
      if (job.state === 'RUNNING' && job.claimId === claimId) {
        // Our own claim, applied although its commit reported an error.
        return {
          claimed: true,
          job,
          attempt: { id, attempt: job.attempts, claimId, version, holdings: holdingsOf(job) },
        };
      }
      if (!isJobState(job.state) || !canTransition(job.state, 'RUNNING') || job.waiting === true) {
        return { claimed: false, reason: 'not-claimable', state: job.state };
      }
      const attempts = (job.attempts ?? 0) + 1;
      const leaseExpireTime = now + leaseMs;
      try {
        const written = await this.access.update(
          'claim',
          id,
          {
            state: 'RUNNING',
            attempts,
            claimId,
            startTime: SERVER_TIME,
            updateTime: SERVER_TIME,
            leaseExpireTime,
            waitReason: null,
          },
          version,
        );
        const start = written.writeTime;
        const claimed: Job = {
          ...job,
          state: 'RUNNING',
          attempts,
          claimId,
          startTime: start,
          updateTime: start,
          leaseExpireTime,
          waitReason: null,
        };
        const attempt = { id, attempt: attempts, claimId, version: written.version, holdings: holdingsOf(claimed) };
        return { claimed: true, job: claimed, attempt };
      } catch (e) {
        await this.access.beforeRetryingWrite(e, tries);
        // The commit may have been applied after all: the read shows whose claim the job holds, by claimId.
        read = await this.access.read(id);
      }
    }
  }

  /**
   * Writes `fields` only while the job is RUNNING on `at`'s attempt and claim and `at` has not ended, fenced by the
   * version of the attempt's own last write; a failed fence reads the job again and retries only if it is still
   * this attempt's (and takes what the job holds from that read). `shows` recognises the job as this write left it,
   * so an applied commit that reported an error counts as written. `alsoWrite` makes writes to other documents in
   * the same commit, with what the attempt holds as it stands then.
   */
  private async writeForAttempt(
    at: AttemptRef,
    operation: 'finish' | 'requeue' | 'progress' | 'lease',
    fields: JobFields,
    shows?: (job: Job) => boolean,
    alsoWrite?: (at: AttemptRef) => OtherWrites,
  ): Promise<AttemptWriteResult> {
    for (let tries = 1; ; tries++) {
      if (at.ended) return { written: false };
      let fence = asVersion(at.version);
      if (fence === undefined) {
        const { job, version } = await this.access.read(at.id);
        if (job && tries > 1 && shows?.(job)) {
          at.version = version;
          return { written: true, state: job.state };
        }
        const ours = job?.attempts === at.attempt && (at.claimId === undefined || job.claimId === at.claimId);
        if (job?.state !== 'RUNNING' || !ours) return { written: false, state: job?.state };
        fence = asVersion(version);
        at.version = fence;
        at.holdings = holdingsOf(job);
      }
      try {
        at.version = (await this.access.update(operation, at.id, fields, fence as number, alsoWrite?.(at))).version;
        return { written: true, state: 'RUNNING' };
      } catch (e) {
        await this.access.beforeRetryingWrite(e, tries);
        at.version = undefined;
      }
    }
  }

  /** Writes the attempt's end (a terminal state or a requeue); once written, `at` writes nothing more. */
  private async endAttempt(
    at: AttemptRef,
    operation: 'finish' | 'requeue',
    fields: JobFields,
    shows: (job: Job) => boolean,
    alsoWrite?: (at: AttemptRef) => OtherWrites,
  ): Promise<AttemptWriteResult> {
    const result = await this.writeForAttempt(at, operation, fields, shows, alsoWrite);
    if (result.written) at.ended = true;
    return result;
  }

  finish(
    at: AttemptRef,
    outcome: JobOutcome,
    now: Millis,
    retentionDays: number,
    durations?: JobDurations,
  ): Promise<AttemptWriteResult> {
    const ending: JobFields =
      outcome.state === 'COMPLETED'
        ? { result: outcome.result ?? null, error: DELETE_FIELD }
        : { error: outcome.error };
    const fields = terminalFields(outcome.state, now, retentionDays);
    return this.endAttempt(
      at,
      'finish',
      { ...fields, ...ending, ...durations },
      // This attempt's own end: its state, its attempt, the expireTime computed here to the millisecond, and what
      // no other writer's end has (the sweep's or the owner's writes no durations and their own error), since the
      // sweep can end the job at the very millisecond this attempt does.
      (job) =>
        job.state === outcome.state &&
        job.attempts === at.attempt &&
        job.expireTime === fields.expireTime &&
        job.runMillis === durations?.runMillis &&
        (outcome.state === 'COMPLETED' || isDeepStrictEqual(job.error, outcome.error)),
      // The end gives back the job's admission count and its slot, in the same commit.
      (ending) => givingBack(this.access.store, ending.id, ending.holdings),
    );
  }

  /** RUNNING → CREATED for a retry after its backoff; the job keeps its slot, and its wait is the backoff's. */
  requeue(at: AttemptRef, error: JobError, dispatchAt: Millis): Promise<AttemptWriteResult> {
    return this.endAttempt(
      at,
      'requeue',
      {
        state: 'CREATED',
        error,
        dispatchTime: dispatchAt,
        leaseExpireTime: null,
        waitReason: 'retry-backoff',
        updateTime: SERVER_TIME,
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

  writeProgress(at: AttemptRef, progress: JobProgress): Promise<AttemptWriteResult> {
    return this.writeForAttempt(at, 'progress', { progress, updateTime: SERVER_TIME });
  }

  renewLease(at: AttemptRef, leaseExpireTime: Millis): Promise<AttemptWriteResult> {
    return this.writeForAttempt(at, 'lease', { leaseExpireTime, updateTime: SERVER_TIME });
  }
}
