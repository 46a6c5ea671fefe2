import {
  FieldPath,
  FieldValue,
  Timestamp,
  type DocumentReference,
  type Firestore,
  type UpdateData,
} from 'firebase-admin/firestore';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { CreateJobRequest } from '../job/create-request';
import type { JobDocument, JobError, JobProgress } from '../job/job-document';
import { canTransition, isJobState, type JobState, type TerminalJobState } from '../job/job-state';
import { isSameRequest } from '../job/request-identity';

/** gRPC's ALREADY_EXISTS, which `create()` fails with when the document is there. */
const ALREADY_EXISTS = 6;
/** gRPC's NOT_FOUND (an update of a missing document) and FAILED_PRECONDITION (its update time moved on). */
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
/**
 * gRPC codes of a commit that failed for now, and may even have been applied: CANCELLED, UNKNOWN,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE (the codes the Admin SDK retries a
 * transaction on). The Firestore emulator answered one commit of a load test with UNKNOWN and no message.
 */
const TRANSIENT = new Set([1, 2, 4, 8, 10, 13, 14]);
/** How often a fenced write tries before it gives up (a document that keeps changing, or errors that persist). */
const MAX_FENCED_TRIES = 10;

const grpcCode = (e: unknown) => (e as { code?: unknown }).code;

/** Whether a Firestore call failed for now (it may succeed if tried again, and a commit may even have applied). */
export function isTransientError(e: unknown): boolean {
  const code = grpcCode(e);
  return typeof code === 'number' && TRANSIENT.has(code);
}

/** Waits before try `tries` + 1 after a transient error: 100 ms doubling to 2 s, with jitter. */
const transientBackoff = (tries: number) => delay(Math.min(2000, 100 * 2 ** (tries - 1)) * (0.5 + Math.random() / 2));

/**
 * After a failed fenced write: rethrows what retrying cannot mend, else waits if the failure was transient.
 * Either way the caller reads the job again before it retries, because the write may have lost a race or, after a
 * transient error, may even have been applied.
 */
async function beforeRetry(e: unknown, tries: number): Promise<void> {
  const code = grpcCode(e);
  const lostRace = code === FAILED_PRECONDITION || code === NOT_FOUND;
  const transient = isTransientError(e);
  if ((!lostRace && !transient) || tries >= MAX_FENCED_TRIES) throw e;
  if (transient) await transientBackoff(tries);
}

/** A job document as the Admin SDK reads it. */
export type StoredJob = JobDocument<Timestamp>;

/** The timings a worker records on the job it ends (see JobDocument). */
export interface JobDurations {
  queueMillis: number;
  runMillis: number;
}

/** How a claimed job ends, as the worker reports it. */
export type JobOutcome =
  | { state: 'COMPLETED'; result: unknown }
  | { state: 'FAILED'; error: JobError }
  | { state: 'CANCELLED'; error: JobError };

export type CreateResult =
  | { kind: 'created' }
  /** The same requestId made this job before, for the same request. */
  | { kind: 'existing'; job: StoredJob }
  /** The same requestId made a job before, for a different request. */
  | { kind: 'request-mismatch' }
  | { kind: 'quota-exceeded'; active: number };

/** A job as read, with the update time that fences a write made on the strength of that read. */
export interface JobRead {
  job: StoredJob | undefined;
  updateTime: Timestamp | undefined;
}

export type ClaimResult =
  | { claimed: true; job: StoredJob; attempt: AttemptRef }
  | { claimed: false; reason: 'not-found' }
  | { claimed: false; reason: 'not-claimable'; state: JobState };

export type CancelResult =
  | { kind: 'cancelled'; job: StoredJob }
  | { kind: 'cancel-requested'; job: StoredJob }
  | { kind: 'not-found' }
  | { kind: 'already-done'; state: JobState };

/**
 * The job's attempt a write is made for: a write from a superseded attempt is refused (a fencing token).
 * `lastUpdateTime` is the document's update time after this attempt's last write, which the store keeps up to
 * date: while nothing else writes the job, the next write is fenced by it alone, with no read first. `claimId`
 * is the claim that started the attempt. Once the attempt's end (a terminal write or a requeue) is written,
 * `ended` is set and the store refuses every further write for it.
 */
export interface AttemptRef {
  id: string;
  attempt: number;
  claimId?: string;
  lastUpdateTime?: Timestamp;
  ended?: boolean;
}

/** The fields every terminal write sets; `retentionDays` sets the TTL field. */
function terminalFields(state: TerminalJobState, now: number, retentionDays: number) {
  return {
    state,
    done: true,
    doneTime: FieldValue.serverTimestamp(),
    updateTime: FieldValue.serverTimestamp(),
    leaseExpireTime: null,
    expireTime: Timestamp.fromMillis(now + retentionDays * 24 * 60 * 60 * 1000),
  };
}

/**
 * The `jobs` collection, written only here. Every state change runs in a transaction that re-reads the job
 * and applies the state machine, so concurrent workers, duplicate deliveries, late messages and the sweep
 * cannot move a job backwards or overwrite a terminal state. Writes on behalf of a claimed attempt also check
 * that the attempt is still the current one.
 */
export class JobStore {
  constructor(
    private readonly db: Firestore,
    private readonly collection: string,
  ) {}

  ref(id: string): DocumentReference<StoredJob> {
    return this.db.collection(this.collection).doc(id) as DocumentReference<StoredJob>;
  }

  /** A new random document id (Firestore's auto-id). */
  newJobId(): string {
    return this.db.collection(this.collection).doc().id;
  }

  async get(id: string): Promise<StoredJob | undefined> {
    return (await this.read(id)).job;
  }

  /**
   * The job and its update time, to fence a write decided on this read. A read that fails transiently is tried
   * again with the fenced writes' backoff: the claim and the checks after an ambiguous commit depend on it.
   */
  async read(id: string): Promise<JobRead> {
    for (let tries = 1; ; tries++) {
      try {
        const snap = await this.ref(id).get();
        return { job: snap.data(), updateTime: snap.updateTime };
      } catch (e) {
        if (!isTransientError(e) || tries >= MAX_FENCED_TRIES) throw e;
        await transientBackoff(tries);
      }
    }
  }

  /**
   * Creates a CREATED job at `id` unless the owner already has `maxActiveJobs` jobs not done. With a requestId,
   * `id` is derived from it: a job already there answers a repeated request (or conflicts, if the request
   * differs). `create()` is atomic on its own, so racing repeats of one request still make one job.
   *
   * The quota's count runs before the create, outside a transaction: inside one it would lock every active job of
   * the owner against their workers' transactions (the emulator answered "Transaction lock timeout" under load).
   * So concurrent creates by one user can pass the limit by at most the number of creates in flight.
   */
  async create(id: string, owner: string, request: CreateJobRequest, maxActiveJobs: number): Promise<CreateResult> {
    const ref = this.ref(id);
    const repeated = async (): Promise<CreateResult | undefined> => {
      const existing = request.requestId === undefined ? undefined : await this.get(id);
      if (!existing) return undefined;
      return isSameRequest(existing, request) ? { kind: 'existing', job: existing } : { kind: 'request-mismatch' };
    };
    const earlier = await repeated();
    if (earlier) return earlier;
    const active = (
      await this.db.collection(this.collection).where('owner', '==', owner).where('done', '==', false).count().get()
    ).data().count;
    if (active >= maxActiveJobs) return { kind: 'quota-exceeded', active };
    const now = FieldValue.serverTimestamp();
    try {
      await ref.create({
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
        dispatchTime: now,
      } as unknown as StoredJob); // server timestamps stand where the type has Timestamps
    } catch (e) {
      // A concurrent repeat of the same request created it first.
      const raced = (e as { code?: unknown }).code === ALREADY_EXISTS ? await repeated() : undefined;
      if (raced) return raced;
      throw e;
    }
    return { kind: 'created' };
  }

  /**
   * CREATED → RUNNING with attempts + 1 and a lease of `leaseMs`, or says why not. `seen` is the read the caller
   * decided on: the claim is an update fenced by that read's update time (one write, no second read), and only
   * if the job changed since is it read again. Of two workers claiming at once, one update fails its fence and
   * finds the job claimed. A commit that reports an error may still have been applied: the claim's random
   * `claimId` tells this worker's claim from another's when it reads the job again.
   */
  async claim(id: string, now: number, leaseMs: number, seen?: JobRead): Promise<ClaimResult> {
    const claimId = randomUUID();
    let read = seen ?? (await this.read(id));
    for (let tries = 1; ; tries++) {
      const { job, updateTime } = read;
      if (!job || !updateTime) return { claimed: false, reason: 'not-found' };
      if (job.state === 'RUNNING' && job.claimId === claimId) {
        // Our own claim, applied although its commit reported an error (see below).
        return { claimed: true, job, attempt: { id, attempt: job.attempts, claimId, lastUpdateTime: updateTime } };
      }
      if (!isJobState(job.state) || !canTransition(job.state, 'RUNNING')) {
        return { claimed: false, reason: 'not-claimable', state: job.state };
      }
      const attempts = (job.attempts ?? 0) + 1;
      const leaseExpireTime = Timestamp.fromMillis(now + leaseMs);
      try {
        const { writeTime } = await this.ref(id).update(
          {
            state: 'RUNNING',
            attempts,
            claimId,
            startTime: FieldValue.serverTimestamp(),
            updateTime: FieldValue.serverTimestamp(),
            leaseExpireTime,
          },
          { lastUpdateTime: updateTime },
        );
        // The server timestamps are the commit's time (the emulator's may lag it by a ms or two): the job as it
        // now stands, without reading it back.
        const claimed: StoredJob = {
          ...job,
          state: 'RUNNING',
          attempts,
          claimId,
          startTime: writeTime,
          updateTime: writeTime,
          leaseExpireTime,
        };
        return { claimed: true, job: claimed, attempt: { id, attempt: attempts, claimId, lastUpdateTime: writeTime } };
      } catch (e) {
        await beforeRetry(e, tries);
        // The commit may have been applied after all: the read shows whose claim the job holds, by claimId.
        read = await this.read(id);
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
   * A commit can be applied although it reports an error (its answer lost, then the client library's own retry
   * failing the fence): `shows` recognizes the job as this write left it, so that counts as written.
   */
  private async whileCurrent(
    at: AttemptRef,
    data: UpdateData<StoredJob>,
    shows?: (job: StoredJob) => boolean,
  ): Promise<{ written: boolean; state?: JobState }> {
    for (let tries = 1; ; tries++) {
      if (at.ended) return { written: false };
      if (!at.lastUpdateTime) {
        const { job, updateTime } = await this.read(at.id);
        if (job && tries > 1 && shows?.(job)) {
          at.lastUpdateTime = updateTime;
          return { written: true, state: job.state };
        }
        const ours = job?.attempts === at.attempt && (at.claimId === undefined || job.claimId === at.claimId);
        if (job?.state !== 'RUNNING' || !ours) return { written: false, state: job?.state };
        at.lastUpdateTime = updateTime;
      }
      try {
        at.lastUpdateTime = (await this.ref(at.id).update(data, { lastUpdateTime: at.lastUpdateTime })).writeTime;
        return { written: true, state: 'RUNNING' };
      } catch (e) {
        await beforeRetry(e, tries);
        at.lastUpdateTime = undefined;
      }
    }
  }

  /** Writes the attempt's end (a terminal state or a requeue); once written, `at` writes nothing more. */
  private async endAttempt(at: AttemptRef, data: UpdateData<StoredJob>, shows: (job: StoredJob) => boolean) {
    const result = await this.whileCurrent(at, data, shows);
    if (result.written) at.ended = true;
    return result;
  }

  /**
   * RUNNING → COMPLETED, FAILED or CANCELLED for the current attempt, with the attempt's `durations`; writes
   * nothing otherwise.
   */
  async finish(at: AttemptRef, outcome: JobOutcome, now: number, retentionDays: number, durations?: JobDurations) {
    const ending =
      outcome.state === 'COMPLETED'
        ? { result: outcome.result ?? null, error: FieldValue.delete() }
        : { error: outcome.error };
    const fields = terminalFields(outcome.state, now, retentionDays);
    // The result is any value Firestore can store; UpdateData has no type for `unknown`.
    return this.endAttempt(
      at,
      { ...fields, ...ending, ...durations } as UpdateData<StoredJob>,
      (job) =>
        // This attempt's own end: its state, its attempt, and the expireTime computed here to the millisecond.
        job.state === outcome.state &&
        job.attempts === at.attempt &&
        job.expireTime?.isEqual(fields.expireTime) === true,
    );
  }

  /** RUNNING → CREATED after a transient failure: the last error stays visible while the retry waits. */
  async requeue(at: AttemptRef, error: JobError, dispatchAt: number) {
    const dispatchTime = Timestamp.fromMillis(dispatchAt);
    return this.endAttempt(
      at,
      { state: 'CREATED', error, dispatchTime, leaseExpireTime: null, updateTime: FieldValue.serverTimestamp() },
      // This attempt's own requeue: queued again at the dispatch time chosen here, to the millisecond.
      (job) =>
        job.state === 'CREATED' && job.attempts === at.attempt && job.dispatchTime?.isEqual(dispatchTime) === true,
    );
  }

  /** Writes a progress report for the current attempt. */
  async writeProgress(at: AttemptRef, progress: JobProgress) {
    return this.whileCurrent(at, { progress, updateTime: FieldValue.serverTimestamp() });
  }

  /**
   * The owner's cancel: a CREATED job ends CANCELLED at once; a RUNNING job gets `cancelRequested`, which its
   * worker acts on. Another user's job is `not-found`, exactly like a missing one.
   */
  async cancel(id: string, owner: string, now: number, retentionDays: number): Promise<CancelResult> {
    return this.db.runTransaction(async (tx) => {
      const ref = this.ref(id);
      const job = (await tx.get(ref)).data();
      if (!job || job.owner !== owner) return { kind: 'not-found' };
      if (job.done) return { kind: 'already-done', state: job.state };
      if (job.state === 'CREATED') {
        tx.update(ref, { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER });
        return { kind: 'cancelled', job };
      }
      if (!job.cancelRequested) tx.update(ref, { cancelRequested: true, updateTime: FieldValue.serverTimestamp() });
      return { kind: 'cancel-requested', job };
    });
  }

  /** The owner's jobs, newest first, after a cursor (createTime in µs, then id, both descending). */
  async listByOwner(
    owner: string,
    limit: number,
    after?: { createTimeMicros: number; id: string },
  ): Promise<{ id: string; job: StoredJob }[]> {
    let query = this.db
      .collection(this.collection)
      .where('owner', '==', owner)
      .orderBy('createTime', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (after) {
      const seconds = Math.floor(after.createTimeMicros / 1_000_000);
      const nanos = (after.createTimeMicros % 1_000_000) * 1000;
      query = query.startAfter(new Timestamp(seconds, nanos), after.id);
    }
    const snap = await query.limit(limit).get();
    return snap.docs.map((d) => ({ id: d.id, job: d.data() as StoredJob }));
  }

  /** Deletes the owner's job if it is done. */
  async deleteIfDone(
    id: string,
    owner: string,
  ): Promise<{ kind: 'deleted' } | { kind: 'not-found' } | { kind: 'not-done'; state: JobState }> {
    return this.db.runTransaction(async (tx) => {
      const ref = this.ref(id);
      const job = (await tx.get(ref)).data();
      if (!job || job.owner !== owner) return { kind: 'not-found' };
      if (!job.done) return { kind: 'not-done', state: job.state };
      tx.delete(ref);
      return { kind: 'deleted' };
    });
  }

  /** Follows one job's document; returns the unsubscribe function. */
  watch(id: string, onChange: (job: StoredJob | undefined) => void, onError: (e: Error) => void): () => void {
    return this.ref(id).onSnapshot((snap) => onChange(snap.data()), onError);
  }

  /** Ids of jobs in `state` whose `field` is before `time`: what the sweep looks at. */
  private async idsBefore(
    state: JobState,
    field: 'dispatchTime' | 'leaseExpireTime',
    time: number,
    limit: number,
  ): Promise<string[]> {
    const snap = await this.db
      .collection(this.collection)
      .where('state', '==', state)
      .where(field, '<', Timestamp.fromMillis(time))
      .limit(limit)
      .get();
    return snap.docs.map((d) => d.id);
  }

  /** CREATED jobs whose dispatch time is before `before`: candidates for re-publishing. */
  async queuedBefore(before: number, limit: number): Promise<string[]> {
    return this.idsBefore('CREATED', 'dispatchTime', before, limit);
  }

  /** RUNNING jobs whose lease ended before `now`: their worker is presumed dead. */
  async leaseExpiredBefore(now: number, limit: number): Promise<string[]> {
    return this.idsBefore('RUNNING', 'leaseExpireTime', now, limit);
  }

  /**
   * Re-reads a job in a transaction and applies what `decide` says to do with it; returns the action taken.
   * Used by the sweep, so a worker that finishes meanwhile wins and the sweep does nothing.
   */
  async recover<Action extends string>(
    id: string,
    decide: (job: StoredJob) => Action,
    apply: (job: StoredJob, action: Action) => UpdateData<StoredJob> | undefined,
  ): Promise<{ action: Action; job: StoredJob } | undefined> {
    return this.db.runTransaction(async (tx) => {
      const ref = this.ref(id);
      const job = (await tx.get(ref)).data();
      if (!job) return undefined;
      const action = decide(job);
      const update = apply(job, action);
      if (update) tx.update(ref, { ...update, updateTime: FieldValue.serverTimestamp() });
      return { action, job };
    });
  }
}

/** The error of a job its owner cancelled (google.rpc CANCELLED, as AIP-151 records a cancelled operation). */
export const CANCELLED_BY_OWNER: JobError = { code: 'cancelled', message: 'the job was cancelled by its owner' };

export { terminalFields };
