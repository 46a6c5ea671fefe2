import type { JobError } from './job-error';
import type { JobState } from './job-state';

/**
 * Why a job is not in a worker's hands (JobDocument.waitReason): `capacity` (it waits for a worker slot of its
 * pool), `retry-backoff` (a CREATED job that failed for now waits out its retry's backoff), `scheduled` (a CREATED
 * job created with `delaySeconds` waits until `dispatchTime`), `continue` (a RUNNING job
 * whose invocation ran low on time between steps: it goes on in a new one), `sleep` (a RUNNING job asleep in
 * `ctx.sleep` until `dispatchTime`) or `signal` (a RUNNING job waiting for the signal `currentStep`, sent with
 * `signalJob`, until `dispatchTime`, when the wait times out).
 */
export type WaitReason = 'capacity' | 'retry-backoff' | 'scheduled' | 'continue' | 'sleep' | 'signal';

/** Optional progress a handler reports while it runs. */
export interface JobProgress {
  /** 0 to 100. */
  percent: number;
  message?: string;
}

/**
 * The document `jobs/{id}`: the one source of truth for a job, read by the worker, by clients through their
 * listeners, and by the tests. `Time` is the Firestore Timestamp class of whichever SDK reads it (admin or
 * client), or epoch milliseconds in the functions' core, so this module imports neither.
 */
export interface JobDocument<Time> {
  /** The uid of the user who created the job; the security rules key on it. */
  owner: string;
  /** A registered task type, such as `sleep`. */
  type: string;
  /** The task's input, validated against the task's schema when the job was created. */
  input: Record<string, unknown>;
  state: JobState;
  /** True once `state` is terminal (COMPLETED, FAILED or CANCELLED). */
  done: boolean;
  /** The handler's return value; set when COMPLETED. */
  result?: unknown;
  /**
   * Why the job did not complete; set when FAILED or CANCELLED, and while a retry is queued (the last
   * attempt's error). Removed when the job COMPLETES, so a done job has exactly one of result and error.
   */
  error?: JobError;
  /** The handler's last progress report, if it makes any. */
  progress?: JobProgress;
  /**
   * The names of the handler's steps (`step` in the task context) done so far, in the order they finished; each
   * step's result is in `jobs/{id}/steps/{name}` (JobStepDocument). Absent while no step is done.
   */
  steps?: string[];
  /**
   * The step the handler is in now (or the sleep it is in, with `waitReason: sleep`, or the signal it waits for, with
   * `waitReason: signal`); null between steps, absent for a job that never started one.
   */
  currentStep?: string | null;
  /** How many times a worker has claimed the job. */
  attempts: number;
  /** Set by cancelJob on a RUNNING job; the worker aborts the handler and ends the job CANCELLED. */
  cancelRequested?: boolean;
  /** The caller's idempotency key, when given. */
  requestId?: string;
  /**
   * On a job an operator's `adminRetryJob` made: the id of the FAILED or CANCELLED job it retries (same owner, type
   * and input). The retried job itself is never written again.
   */
  retryOf?: string;
  createTime: Time;
  updateTime: Time;
  /** When the job's attempt started: the claim that moved it to RUNNING (a continuation keeps it). */
  startTime: Time | null;
  /** When the job reached a terminal state. */
  doneTime: Time | null;
  /**
   * Set by the worker when it ends a job: milliseconds from creation to the start of the attempt that ended it
   * (waiting in the queue, and any earlier attempts and their backoff), and from that start to the end. A
   * dashboard or a query can use them without date arithmetic. Absent on jobs no worker ended (cancelled while
   * queued, or failed by the recovery sweep).
   */
  queueMillis?: number;
  runMillis?: number;
  /**
   * When the job was sent to a worker (it took a worker slot of its pool), or, for a retry, when its backoff ends,
   * or, for a RUNNING job between invocations (`waitReason` `continue` or `sleep`), when it is due to go on; null
   * while it waits for a slot or a worker runs it. The recovery sweep sends again (or queues again) a job well past
   * this time that no worker has taken (its message or its timer was lost).
   */
  dispatchTime?: Time | null;
  /** The worker pool that runs the job's task type (`standard` unless the task names another). */
  pool?: string;
  /**
   * The job's turn in its pool's fair queue while it waits for a slot: the lowest rank gets the next free slot. An
   * owner's waiting jobs take consecutive ranks, and an owner with none waiting starts at the lowest rank waiting,
   * so owners take turns and a flood of one owner's jobs waits behind everyone else's next job. Null for a job that
   * never waited (it found a free slot when it was created).
   */
  rank?: number | null;
  /**
   * True while the job waits for a free slot of its pool: CREATED and not yet sent to a worker, or RUNNING and woken
   * to go on after a sleep or a continuation.
   */
  waiting?: boolean;
  /**
   * Why the job is not in a worker's hands (WaitReason): `capacity` (every worker slot of its pool is busy; it
   * starts, or goes on, by itself in rank order when one frees), `retry-backoff`, `scheduled`, `continue`, `sleep` or
   * `signal`.
   * Null while a worker runs it, or once it is sent to one.
   */
  waitReason?: WaitReason | null;
  /** The worker slot of its pool the job holds while it is sent or running (`null` before and after). */
  slot?: number | null;
  /**
   * While a worker runs the job: when the claim lapses. The worker renews it while its handler runs and stops the
   * handler before it lapses; past it the worker is presumed dead and the sweep retries or fails the job. Null for a
   * RUNNING job between invocations (a continuation, a sleep): no worker holds it.
   */
  leaseExpireTime?: Time | null;
  /**
   * A random id of the claim that started the current attempt: the worker's writes are its own only while the job
   * still carries it, and a worker whose claim reported an error knows its own claim by it when it reads the job.
   */
  claimId?: string;
  /** Once done: when Firestore's TTL policy may delete the document. */
  expireTime?: Time;
}

/**
 * The document `jobs/{id}/steps/{name}`: a step of a job's handler, done. Written once, in the commit that adds
 * `name` to the job's `steps`; a later attempt of the job returns `result` for the step instead of running it.
 */
export interface JobStepDocument<Time> {
  /** The step's name, as the handler gave it (also the document's id). */
  name: string;
  /** What the step returned. */
  result: unknown;
  /** The attempt that ran it. */
  attempt: number;
  /** When it was done. */
  doneTime: Time;
  /** When Firestore's TTL policy may delete it: after its job's own `expireTime`. */
  expireTime: Time;
}
