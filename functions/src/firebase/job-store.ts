import { FieldValue, type Firestore, type Timestamp } from 'firebase-admin/firestore';
import type { CreateJobRequest } from '../job/create-request';
import type { JobDocument, JobError } from '../job/job-document';
import { canTransition, isJobState, type JobState } from '../job/job-state';

/** A job document as the Admin SDK reads it. */
export type StoredJob = JobDocument<Timestamp>;

/** How a job ends, as the worker reports it. */
export type JobOutcome = { state: 'COMPLETED'; result: unknown } | { state: 'FAILED'; error: JobError };

export type ClaimResult =
  | { claimed: true; job: StoredJob }
  | { claimed: false; reason: 'not-found' }
  | { claimed: false; reason: 'not-claimable'; state: JobState };

export type FinishResult = { written: true } | { written: false; state: JobState | undefined };

/**
 * The `jobs` collection, written only here. Every state change runs in a transaction that re-reads the state
 * and applies the state machine, so concurrent workers, duplicate deliveries and late messages cannot move a
 * job backwards or overwrite a terminal state.
 */
export class JobStore {
  constructor(
    private readonly db: Firestore,
    private readonly collection: string,
  ) {}

  private ref(id: string) {
    return this.db.collection(this.collection).doc(id);
  }

  /** A new random document id (Firestore's auto-id). */
  newJobId(): string {
    return this.db.collection(this.collection).doc().id;
  }

  /** Writes a CREATED job; fails if the id is taken. */
  async create(id: string, owner: string, request: CreateJobRequest): Promise<void> {
    const now = FieldValue.serverTimestamp();
    await this.ref(id).create({
      owner,
      type: request.type,
      input: request.input,
      state: 'CREATED',
      done: false,
      attempts: 0,
      ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
      createTime: now,
      updateTime: now,
      startTime: null,
      doneTime: null,
    });
  }

  /** Removes a job that never reached a queue (its publish failed). */
  async delete(id: string): Promise<void> {
    await this.ref(id).delete();
  }

  /** CREATED → RUNNING with attempts + 1, or says why not (gone, or already claimed or done). */
  async claim(id: string): Promise<ClaimResult> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.ref(id));
      const job = snap.data() as StoredJob | undefined;
      if (!job) return { claimed: false, reason: 'not-found' };
      if (!isJobState(job.state) || !canTransition(job.state, 'RUNNING')) {
        return { claimed: false, reason: 'not-claimable', state: job.state };
      }
      const attempts = (job.attempts ?? 0) + 1;
      tx.update(snap.ref, {
        state: 'RUNNING',
        attempts,
        startTime: FieldValue.serverTimestamp(),
        updateTime: FieldValue.serverTimestamp(),
      });
      return { claimed: true, job: { ...job, state: 'RUNNING', attempts } };
    });
  }

  /** RUNNING → COMPLETED or FAILED; writes nothing when the job is not RUNNING any more. */
  async finish(id: string, outcome: JobOutcome): Promise<FinishResult> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.ref(id));
      const state = (snap.data() as StoredJob | undefined)?.state;
      if (state !== 'RUNNING') return { written: false, state };
      const now = FieldValue.serverTimestamp();
      tx.update(snap.ref, {
        ...(outcome.state === 'COMPLETED' ? { result: outcome.result ?? null } : { error: outcome.error }),
        state: outcome.state,
        done: true,
        doneTime: now,
        updateTime: now,
      });
      return { written: true };
    });
  }
}
