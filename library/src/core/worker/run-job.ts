import type { JobError } from '@async-jobs/contract';
import type { Job, JobDurations, JobOutcome } from '../job';
import type { Clock } from '../ports/clock';
import { sleep } from '../ports/clock';
import type { AttemptLogContext, JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { AttemptOperations, AttemptRef, DispatchOperations, SweepOperations } from '../ports/job-repository';
import { dispatchWaitingJobs, type DispatchDeps } from '../use-cases/dispatch';
import { recoverStaleJobs, STALE_JOBS_CHECKED_AT_JOB_END } from '../use-cases/sweep';
import { backoffMs, retryPolicy, shouldRetry } from '../retry-policy';
import { attemptIdempotencyKey, DEFAULT_TASK_TIMEOUT_SECONDS, type TaskDefinition } from '../tasks/task';
import { classifyFailure, TaskError, toJobError } from '../tasks/task-error';
import type { TaskRegistry } from '../tasks/task-registry';
import { ProgressReporter } from './progress-reporter';
import { settleHandler } from './settle-handler';
import type { WorkerTimings } from './worker-timings';

/** What the worker needs, passed in so tests can give their own. */
export interface RunJobDeps extends DispatchDeps {
  jobs: AttemptOperations & DispatchOperations & SweepOperations;
  queue: JobQueue;
  tasks: TaskRegistry;
  clock: Clock;
  log: JobLog;
  timings: WorkerTimings;
  /** JOB_RETENTION_DAYS, read when a job ends. */
  retentionDays(): number;
  /** DISPATCH_GRACE_SECONDS in ms (see SweepDeps), for the stale jobs a worker looks for when its job ends. */
  dispatchGraceMs(): number;
}

/** What the worker does once the handler is over. */
type Decision = { kind: 'finish'; outcome: JobOutcome } | { kind: 'retry'; error: JobError; delayMs: number };

const failed = (error: JobError): Decision => ({ kind: 'finish', outcome: { state: 'FAILED', error } });

function timeLimitMs(task: TaskDefinition | undefined): number {
  return (task?.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000;
}

/**
 * Renews the attempt's lease every `leaseRenewalMs` while the handler runs: a live worker never loses its job to
 * the sweep, however long its task may run. A renewal refused means the attempt was superseded (its lease lapsed
 * and the job was taken back): `onLost` stops the handler, whose end would be refused anyway. Returns the stop.
 */
function keepLease(at: AttemptRef, deps: RunJobDeps, onLost: () => void): () => void {
  let stopped = false;
  let cancel: () => void = () => undefined;
  const renew = async () => {
    try {
      const renewed = await deps.jobs.renewLease(at, deps.clock.now() + deps.timings.leaseMs);
      if (!renewed.written && !at.ended && !stopped) return onLost();
    } catch (e) {
      deps.log.leaseRenewalFailed(at.id, e);
    }
    if (!stopped) cancel = deps.clock.setTimer(deps.timings.leaseRenewalMs, () => void renew());
  };
  cancel = deps.clock.setTimer(deps.timings.leaseRenewalMs, () => void renew());
  return () => {
    stopped = true;
    cancel();
  };
}

/**
 * Runs a claimed job's handler with its abort signal (owner's cancel, time limit, a lost lease), its lease kept
 * alive and its progress reporter, and decides what happens next. Never throws.
 */
async function runClaimed(
  job: Job,
  at: AttemptRef,
  task: TaskDefinition | undefined,
  deps: RunJobDeps,
): Promise<Decision> {
  if (!task) return failed({ code: 'unimplemented', message: `task type "${job.type}" is not served here` });
  // The input was validated at create time; validating again catches a schema that changed since.
  const input = task.input.safeParse(job.input);
  if (!input.success)
    return failed({ code: 'invalid-argument', message: `input no longer valid: ${input.error.message}` });

  const controller = new AbortController();
  const limitMs = timeLimitMs(task);
  const cancelDeadline = deps.clock.setTimer(limitMs, () =>
    controller.abort(new TaskError('deadline-exceeded', `the task ran past its ${limitMs / 1000} s time limit`)),
  );
  // The owner's cancel arrives as `cancelRequested` on the document; a listener sees it within moments.
  const unwatch = deps.jobs.watch(
    at.id,
    (current) => {
      if (current?.cancelRequested) controller.abort(new TaskError('cancelled', 'the job was cancelled by its owner'));
    },
    (e) => deps.log.cancelWatchFailed(at.id, e),
  );
  const stopLease = keepLease(at, deps, () =>
    controller.abort(new TaskError('aborted', 'the worker lost the job: its lease lapsed and it was taken back')),
  );
  const reporter = new ProgressReporter(
    (progress) => deps.jobs.writeProgress(at, progress),
    deps.timings.progressIntervalMs,
    (e) => deps.log.progressWriteFailed(at.id, e),
    deps.clock,
  );
  let settled;
  try {
    const run = Promise.resolve().then(() =>
      task.run(input.data, {
        jobId: at.id,
        attempt: at.attempt,
        idempotencyKey: at.id,
        attemptIdempotencyKey: attemptIdempotencyKey(at.id, at.attempt),
        signal: controller.signal,
        progress: reporter.report,
      }),
    );
    settled = await settleHandler(run, controller.signal, deps.timings.abortGraceMs, deps.clock);
  } finally {
    cancelDeadline();
    unwatch();
    await reporter.close();
    stopLease();
  }

  if (settled.kind === 'returned') return completed(task, settled.value);
  if (controller.signal.aborted) {
    // Whatever the handler threw on its way out, the abort is why it stopped.
    const error = toJobError(controller.signal.reason);
    return {
      kind: 'finish',
      outcome: error.code === 'cancelled' ? { state: 'CANCELLED', error } : { state: 'FAILED', error },
    };
  }
  const failure = classifyFailure(settled.kind === 'threw' ? settled.error : undefined);
  const policy = retryPolicy(task.retry);
  if (failure.transient && shouldRetry(at.attempt, policy)) {
    return { kind: 'retry', error: failure.error, delayMs: backoffMs(at.attempt, policy) };
  }
  return failed(failure.error);
}

/**
 * A returned handler's outcome: its value as the job's result, checked against the task's `result` schema when it
 * has one (the typed client trusts that type). A value that does not match fails the job, permanently: running the
 * same handler again returns the same kind of value.
 */
function completed(task: TaskDefinition, value: unknown): Decision {
  if (!task.result) return { kind: 'finish', outcome: { state: 'COMPLETED', result: value } };
  const checked = task.result.safeParse(value);
  if (checked.success) return { kind: 'finish', outcome: { state: 'COMPLETED', result: checked.data } };
  const issue = checked.error.issues[0];
  const field = ['result', ...(issue?.path ?? []).map(String)].join('.');
  return failed({
    code: 'internal',
    message: `the task returned a result its result schema refuses: ${field}: ${issue?.message ?? 'invalid'}`,
  });
}

/** The job's end as the worker could write it. */
type FinishResult =
  | { kind: 'written'; outcome: JobOutcome }
  /** Another claim, the sweep or the owner's cancel ended or took the job first. */
  | { kind: 'superseded' }
  /** Not written: the job stays RUNNING with its lease, and the sweep retries or ends it once the lease lapses. */
  | { kind: 'unwritten'; error: unknown };

/** What a job records when its handler's result cannot be stored; never the store's own text (the owner reads it). */
export const RESULT_NOT_STORABLE: JobError = {
  code: 'internal',
  message:
    "the task's result could not be stored: it is too large for the job document or not a value Firestore can hold",
};

/**
 * Writes a terminal outcome. A transient commit error is retried by the repository; if the write still fails
 * for now, the job is left RUNNING for the sweep rather than ended on a guess: a handler that succeeded keeps its
 * result unless a permanent error says it cannot be stored, and only then does the job end FAILED.
 */
async function finish(
  at: AttemptRef,
  outcome: JobOutcome,
  durations: JobDurations,
  deps: RunJobDeps,
): Promise<FinishResult> {
  const write = async (ending: JobOutcome): Promise<FinishResult> =>
    (await deps.jobs.finish(at, ending, deps.clock.now(), deps.retentionDays(), durations)).written
      ? { kind: 'written', outcome: ending }
      : { kind: 'superseded' };
  try {
    return await write(outcome);
  } catch (e) {
    if (deps.jobs.isTransientError(e) || outcome.state !== 'COMPLETED') return { kind: 'unwritten', error: e };
  }
  try {
    return await write({ state: 'FAILED', error: RESULT_NOT_STORABLE });
  } catch (e) {
    return { kind: 'unwritten', error: e };
  }
}

/** Writes a retry's requeue and sends the job again; the sweep covers a requeue or a send that fails. */
async function requeue(
  at: AttemptRef,
  job: Job,
  decision: Decision & { kind: 'retry' },
  context: AttemptLogContext,
  runMillis: number,
  deps: RunJobDeps,
): Promise<void> {
  let requeued;
  try {
    requeued = await deps.jobs.requeue(at, decision.error, deps.clock.now() + decision.delayMs);
  } catch (e) {
    // Left RUNNING with its lease: the sweep queues the retry once the lease lapses.
    return deps.log.terminalWriteFailed(context, 'CREATED', e);
  }
  if (!requeued.written) return deps.log.terminalWriteSkipped(at.id, requeued.state);
  deps.log.jobRetrying(context, decision.error, decision.delayMs, runMillis);
  try {
    await deps.queue.publish(at.id, job.type);
  } catch (e) {
    // The job is CREATED with a dispatch time: the recovery sweep sends it again.
    deps.log.publishFailed(at.id, e);
  }
}

/**
 * The worker's logic for one delivery of a job. A delivery is only a hint, since Pub/Sub delivers at least once:
 * the claim decides whether this delivery runs the job. A delivery that cannot run it (unknown job, already
 * claimed or done) is logged and returns normally. Retries of the job itself are this worker's own (see README,
 * "Retries"), not the queue's.
 */
export async function runJob(jobId: string, messageId: string | undefined, deps: RunJobDeps): Promise<void> {
  // This read both filters repeated deliveries and fences the claim: claiming costs one write more, no read.
  let seen = await deps.jobs.read(jobId);
  const queued = seen.job;
  if (!queued) return deps.log.jobNotFound(jobId, messageId);
  if (queued.state !== 'CREATED') return deps.log.duplicateDelivery(jobId, queued.state, messageId);
  const task = deps.tasks.get(queued.type);
  // A queued retry runs at its dispatch time: the backoff is waited here, bounded by the policy's longest.
  const waitMs = Math.min((queued.dispatchTime ?? 0) - deps.clock.now(), retryPolicy(task?.retry).maxBackoffMs);
  if (waitMs > 0) {
    await sleep(deps.clock, waitMs);
    seen = await deps.jobs.read(jobId); // the owner may have cancelled meanwhile
  }

  const claim = await deps.jobs.claim(jobId, deps.clock.now(), deps.timings.leaseMs, seen);
  if (!claim.claimed) {
    if (claim.reason === 'not-found') return deps.log.jobNotFound(jobId, messageId);
    return deps.log.duplicateDelivery(jobId, claim.state, messageId);
  }
  const { job, attempt: at } = claim;
  const context = { jobId, type: job.type, owner: job.owner, attempt: at.attempt };
  const startMillis = job.startTime ?? deps.clock.now();
  const queueMillis = Math.max(0, startMillis - job.createTime);
  deps.log.jobStarted(context, queueMillis);
  const decision = await runClaimed(job, at, task, deps);
  const runMillis = Math.max(0, deps.clock.now() - startMillis);

  if (decision.kind === 'retry') return requeue(at, job, decision, context, runMillis, deps);
  const durations = { queueMillis, runMillis };
  const finished = await finish(at, decision.outcome, durations, deps);
  if (finished.kind === 'unwritten')
    return deps.log.terminalWriteFailed(context, decision.outcome.state, finished.error);
  if (finished.kind === 'superseded')
    return deps.log.terminalWriteSkipped(jobId, (await deps.jobs.read(jobId)).job?.state);
  const { outcome } = finished;
  if (outcome.state === 'COMPLETED') deps.log.jobCompleted(context, durations);
  else deps.log.jobEnded(context, outcome.state, outcome.error, durations);
  await afterJobEnd(job.pool ?? deps.tasks.poolOf(job.type), deps);
}

/**
 * What a worker does once its job's end is written: it looks for a few stale jobs (a lost message, a dead
 * worker's lapsed lease), each holding a slot for nothing, and gives its freed slot to the pool's next waiting job
 * now, not at the sweep's next minute.
 */
async function afterJobEnd(pool: string, deps: RunJobDeps): Promise<void> {
  try {
    await recoverStaleJobs(deps, deps.clock.now(), STALE_JOBS_CHECKED_AT_JOB_END);
  } catch (e) {
    deps.log.staleCheckFailed(e);
  }
  await dispatchWaitingJobs(deps, pool);
}
