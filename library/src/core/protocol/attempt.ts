import type { JobState, SentJob } from '@async-jobs/contract';
import type { Job, Millis } from '../job';
import type { CommitResult, Version, Write } from '../ports/document-store';
import { read, transition } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { jobAt } from './job-record';

/**
 * One attempt of a job, as its worker holds it: the fencing token of every write the attempt makes. The attempt's
 * writes are made only while the job is RUNNING under this claim; `version` is the job's version after the
 * attempt's last write, so while nothing else writes the job, the next write needs no read.
 */
export interface Attempt {
  id: string;
  type: string;
  owner: string;
  pool: string;
  input: Record<string, unknown>;
  /** 1 on the first claim. */
  attempt: number;
  /** This invocation goes on with an attempt an earlier one suspended (a continuation, a sleep that ended). */
  continues: boolean;
  claimId: string;
  version: Version;
  /** The worker slot the job holds, which its end gives back. */
  slot: number | null;
  /** Epoch ms the job was created and this attempt started. */
  createTime: Millis;
  startTime: Millis;
  /** The lease as the attempt last wrote it: the worker stops its handler before it lapses. */
  leaseExpireTime: Millis;
  /** Set once the attempt's end (a terminal state, a requeue) is written: it writes nothing more. */
  ended: boolean;
  /** Set when a read of the job found its owner's cancel request. */
  cancelRequested: boolean;
}

/** What an attempt's write did: written, or not (the attempt was superseded), with the job's state as read. */
export type AttemptWrite<T = undefined> = { written: true; value: T } | { written: false; state?: JobState };

/**
 * The writes an attempt decides on: the first is the update of its job (fenced on the attempt's version), the rest
 * go in the same commit; `value` is the answer, given the commit (its time, and each write's new version).
 */
export interface AttemptDecision<T> {
  writes: readonly Write[];
  value: (commit: CommitResult) => T;
}

/** The job as a write of the attempt left it (a requeue), for the message that sends it again. */
export function sentFromAttempt(at: Attempt, version: Version, dispatchTime: Millis): SentJob {
  return {
    version,
    owner: at.owner,
    pool: at.pool,
    input: at.input,
    attempts: at.attempt,
    slot: at.slot,
    createTime: at.createTime,
    dispatchTime,
  };
}

/** Whether the job as read is still this attempt's: RUNNING under its claim. */
export function isAttemptOf(job: Job, at: Attempt): boolean {
  return job.state === 'RUNNING' && job.claimId === at.claimId && job.attempts === at.attempt;
}

/**
 * A write of the attempt, decided by `decide` on the job: on the first round as the attempt last wrote it (no
 * read; the commit is fenced on `at.version`), on later rounds as read again. A read that shows the job as the
 * write being retried would leave it (`recognize`: a commit applied despite its error) counts as written; a job
 * no longer RUNNING under this claim refuses the write. A read that finds the owner's cancel request sets
 * `at.cancelRequested`, which `decide` may act on.
 */
export async function writeForAttempt<T>(
  access: StoreAccess,
  at: Attempt,
  decide: (job: Job | undefined) => AttemptDecision<T> | Promise<AttemptDecision<T>>,
  recognize: ((job: Job, version: Version) => { value: T } | undefined | Promise<{ value: T } | undefined>) | undefined,
  deadline: Millis,
): Promise<AttemptWrite<T>> {
  let round = 0;
  return transition<AttemptWrite<T>>(
    access,
    async () => {
      round += 1;
      if (at.ended) return { answer: { written: false } };
      let job: Job | undefined;
      if (round > 1) {
        const doc = await read(access, () => access.store.get(access.layout.job(at.id)), deadline);
        if (!doc) return { answer: { written: false } };
        const current = jobAt(doc);
        const recognized = await recognize?.(current.job, current.version);
        if (recognized) {
          at.version = current.version;
          return { answer: { written: true, value: recognized.value } };
        }
        if (!isAttemptOf(current.job, at)) return { answer: { written: false, state: current.job.state } };
        at.version = current.version;
        if (current.job.cancelRequested === true) at.cancelRequested = true;
        job = current.job;
      }
      const decided = await decide(job);
      const [first, ...rest] = decided.writes;
      if (!first || first.op !== 'update') throw new Error('an attempt write starts with the fenced update of its job');
      return {
        writes: [{ ...first, ifVersion: at.version }, ...rest],
        answer: (commit) => {
          at.version = commit.versions[0] ?? at.version;
          return { written: true, value: decided.value(commit) };
        },
      };
    },
    deadline,
  );
}
