import type { CreateJobRequest, JobError, JobProgress, JobState } from '@async-jobs/contract';
import type { Job, JobDurations, JobOutcome, JobWithId, Millis } from '../job';
import type { RecoveryAction } from '../recovery';

/**
 * The storage of jobs, the one thing that changes a job document: every state change and its guards live behind
 * this port (the Firestore adapter in functions, an in-memory one in tests and the simulation), and the use cases
 * only call it. Four roles, one per kind of caller: the owner's operations, the dispatch of waiting jobs to free
 * worker slots, the worker's attempt protocol, and the sweep's queries.
 *
 * Two things a job holds until it is done, and gives back in the same commit as the write that ends it (the
 * worker's, the owner's cancel of a queued job, the sweep's): room in its owner's admission count, and its
 * pool's worker slot once it was dispatched.
 */
export interface JobRepository extends OwnerJobOperations, DispatchOperations, AttemptOperations, SweepOperations {}

/** What a create is admitted against, and where the job queues. */
export interface Admission {
  /** The owner's limit on jobs not done (CREATED or RUNNING), exact however many creates run at once. */
  maxActiveJobs: number;
  /** The worker pool whose fair queue the job waits in. */
  pool: string;
}

/** Stops a listener. */
export type Unsubscribe = () => void;

/**
 * A job as read, with its version: an opaque token (the document's update time in Firestore) that fences a
 * write decided on that read. Only the repository that made it reads it.
 */
export interface JobRead {
  job: Job | undefined;
  version: unknown;
}

/** Where a page of an owner's jobs ends: the last job's create time (µs since the epoch) and id. */
export interface PageCursor {
  createTimeMicros: number;
  id: string;
}

export type CreateResult =
  | { kind: 'created' }
  /** The same requestId made this job before, for the same request. */
  | { kind: 'existing'; job: Job }
  /** The same requestId made a job before, for a different request. */
  | { kind: 'request-mismatch' }
  | { kind: 'quota-exceeded'; active: number };

export type CancelResult =
  | { kind: 'cancelled'; job: Job }
  | { kind: 'cancel-requested'; job: Job }
  | { kind: 'not-found' }
  | { kind: 'already-done'; state: JobState };

export type DeleteResult = { kind: 'deleted' } | { kind: 'not-found' } | { kind: 'not-done'; state: JobState };

/** What the owner of jobs (through the callables and the HTTP API) does with them. */
export interface OwnerJobOperations {
  /** A new random job id. */
  newJobId(): string;
  /**
   * Creates a CREATED job at `id`, waiting in `admission.pool`'s fair queue with its rank, unless the owner already
   * has `admission.maxActiveJobs` jobs not done. The rank is fairRank (core/scheduling/fair-queue.ts) of the pool's
   * frontier, the owner's last waiting rank in the pool, and the last rank the admission shard that counts the job
   * gave (kept with the shard's count, and set in the same atomic step). With a requestId, a job already at `id`
   * answers a repeated request, or conflicts if the request differs; racing repeats of one request make one job.
   */
  create(id: string, owner: string, request: CreateJobRequest, admission: Admission): Promise<CreateResult>;
  get(id: string): Promise<Job | undefined>;
  /**
   * The owner's cancel: a CREATED job ends CANCELLED at once; a RUNNING job gets `cancelRequested`, which its
   * worker acts on. Another user's job is `not-found`, exactly like a missing one.
   */
  cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult>;
  /** Deletes the owner's job if it is done. */
  deleteIfDone(id: string, owner: string): Promise<DeleteResult>;
  /** One page of the owner's jobs, newest first (create time, then id, descending), after `after`. */
  listByOwner(owner: string, pageSize: number, after?: PageCursor): Promise<{ jobs: JobWithId[]; next?: PageCursor }>;
  /**
   * Follows one job: `onChange` gets the job as it is and then every change (undefined once it is deleted), never
   * before `watch` has returned.
   */
  watch(id: string, onChange: (job: Job | undefined) => void, onError: (e: Error) => void): Unsubscribe;
  /**
   * Takes one of the owner's `maxWaits` places for a request that waits on a job (the HTTP API's `:wait`) until
   * `expireAt`, under `token`; false when all are taken. A place whose request never gave it back (its instance
   * died) counts until it expires.
   */
  acquireWait(owner: string, token: string, now: Millis, expireAt: Millis, maxWaits: number): Promise<boolean>;
  /** Gives back the place `acquireWait` took under `token`. */
  releaseWait(owner: string, token: string): Promise<void>;
}

/** What one dispatch did. */
export type DispatchResult =
  /** The job, waiting until now, holds a slot and is due to be sent to a worker. */
  | { kind: 'dispatched'; jobId: string; type: string }
  /** Every slot of the pool (the first `capacity`) is held. */
  | { kind: 'no-free-slot' }
  /** No job of the pool is waiting. */
  | { kind: 'none-waiting' };

/**
 * The pool's fair queue meeting its worker slots: a job is sent to a worker only when it holds one of the pool's
 * `capacity` slots, so no more jobs are in flight than the workers can run, and Pub/Sub never holds a backlog that
 * would run first come, first served.
 */
export interface DispatchOperations {
  /**
   * Gives the waiting job of `pool` with the lowest rank a free slot among the first `capacity`, atomically: it
   * is no longer waiting, and its dispatch time is `now`. Of two dispatches at once, each gets its own job and
   * slot, and no slot is ever given twice.
   */
  dispatchNext(pool: string, capacity: number, now: Millis): Promise<DispatchResult>;
}

/**
 * The attempt a write is made for, a fencing token: a write of a superseded attempt is refused. The repository
 * keeps `version` up to date (the job's version after this attempt's last write, so while nothing else writes the
 * job the next write needs no read) and sets `ended` once the attempt's end is written, after which it refuses
 * every write of the attempt. `claimId` is the claim that started the attempt. `holdings` is what the job holds
 * that its end gives back (its admission count, its slot), as the repository last read it: the claim sets it, so
 * the end needs no read to give them back.
 */
export interface AttemptRef {
  id: string;
  attempt: number;
  claimId?: string;
  version?: unknown;
  ended?: boolean;
  holdings?: JobHoldings;
}

/** What a job not done holds: room in its owner's admission count, and its pool's worker slot once dispatched. */
export interface JobHoldings {
  owner: string;
  pool?: string;
  admissionShard?: number;
  slot?: number | null;
}

export type ClaimResult =
  | { claimed: true; job: Job; attempt: AttemptRef }
  | { claimed: false; reason: 'not-found' }
  | { claimed: false; reason: 'not-claimable'; state: JobState };

/** Whether an attempt's write was made; `state` is the job's state as the repository last saw it. */
export interface AttemptWriteResult {
  written: boolean;
  state?: JobState;
}

/**
 * The worker's attempt protocol. Of two deliveries claiming one job, one claim wins; every write of an attempt
 * (progress, requeue, the end) is made only while the job is RUNNING on that attempt and claim, so a superseded
 * worker never overwrites anything. A read or commit that fails for now is tried again; one that still fails
 * throws, and `isTransientError` says whether it may succeed later.
 */
export interface AttemptOperations {
  /** The job and the version that fences a claim decided on this read. */
  read(id: string): Promise<JobRead>;
  /**
   * CREATED → RUNNING with attempts + 1 and a lease of `leaseMs` from `now`, or says why not. A job still waiting
   * for a slot is not claimable: only a dispatched job is run.
   */
  claim(id: string, now: Millis, leaseMs: number, seen?: JobRead): Promise<ClaimResult>;
  /** RUNNING → COMPLETED, FAILED or CANCELLED for the attempt, with its durations. */
  finish(
    at: AttemptRef,
    outcome: JobOutcome,
    now: Millis,
    retentionDays: number,
    durations?: JobDurations,
  ): Promise<AttemptWriteResult>;
  /**
   * RUNNING → CREATED after a transient failure, keeping its slot: the error stays visible, and `waitReason` is
   * `retry-backoff`, while the retry waits for `dispatchAt`.
   */
  requeue(at: AttemptRef, error: JobError, dispatchAt: Millis): Promise<AttemptWriteResult>;
  /** The handler's progress report, for the attempt. */
  writeProgress(at: AttemptRef, progress: JobProgress): Promise<AttemptWriteResult>;
  /**
   * Moves the attempt's lease to `leaseExpireTime` (the running worker's heartbeat); not written once the attempt
   * was superseded (the sweep took the job back after the lease lapsed) or ended.
   */
  renewLease(at: AttemptRef, leaseExpireTime: Millis): Promise<AttemptWriteResult>;
  /** Follows one job (the worker watches for its owner's cancel request). */
  watch(id: string, onChange: (job: Job | undefined) => void, onError: (e: Error) => void): Unsubscribe;
  /** Whether an error this repository threw may go away if the operation is tried later. */
  isTransientError(e: unknown): boolean;
}

/** The sweep's recovery of a job; `decide` is re-run on the job as it stands when the change is made. */
export interface RecoveryResult {
  action: RecoveryAction;
  job: Job;
}

/** What the recovery sweep looks for and does. */
export interface SweepOperations {
  /** Ids of CREATED jobs whose dispatch time is before `time`: their message may be lost. */
  queuedBefore(time: Millis, limit: number): Promise<string[]>;
  /** Ids of RUNNING jobs whose lease ended before `time`: their worker is presumed dead. */
  leaseExpiredBefore(time: Millis, limit: number): Promise<string[]>;
  /**
   * Reads the job and, atomically with that read, makes the change `decide` chooses: `republish` moves its
   * dispatch time to `now`; `retry` queues it again with the worker-lost error; `fail` and `cancel` end it. So a
   * worker that finishes meanwhile wins and the sweep does nothing. Undefined when the job does not exist.
   */
  recoverJob(
    id: string,
    now: Millis,
    retentionDays: number,
    decide: (job: Job) => RecoveryAction,
  ): Promise<RecoveryResult | undefined>;
}
