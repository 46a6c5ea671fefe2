import { setTimeout as delay } from 'node:timers/promises';
import type { WorkerTimings } from '../config';
import type { JobError } from '../job/job-document';
import { classifyFailure, TaskError, toJobError } from '../job/job-error';
import { backoffMs, retryPolicy, shouldRetry } from '../job/retry-policy';
import { parseTaskMessage, type ReceivedMessage } from '../job/task-message';
import { logs } from '../logs';
import type { TaskRegistry } from '../tasks/registry';
import { settleHandler } from '../tasks/settle-handler';
import { attemptIdempotencyKey, DEFAULT_TASK_TIMEOUT_SECONDS, type TaskDefinition } from '../tasks/task';
import type { TaskQueue } from './job-queue';
import {
  isTransientError,
  type AttemptRef,
  type JobDurations,
  type JobOutcome,
  type JobStore,
  type StoredJob,
} from './job-store';
import { ProgressReporter } from './progress-reporter';

/** What the worker needs, passed in so tests can give their own. */
export interface RunJobDeps {
  store: JobStore;
  queue: TaskQueue;
  tasks: TaskRegistry;
  timings: WorkerTimings;
  /** JOB_RETENTION_DAYS, read when a job ends. */
  retentionDays(): number;
}

/** What the worker does once the handler is over. */
type Decision = { kind: 'finish'; outcome: JobOutcome } | { kind: 'retry'; error: JobError; delayMs: number };

const failed = (error: JobError): Decision => ({ kind: 'finish', outcome: { state: 'FAILED', error } });

function timeLimitMs(task: TaskDefinition | undefined): number {
  return (task?.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000;
}

/**
 * Runs a claimed job's handler with its abort signal (owner's cancel, time limit) and progress reporter, and
 * decides what happens next. Never throws.
 */
async function runClaimed(
  job: StoredJob,
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
  const deadline = setTimeout(
    () => controller.abort(new TaskError('deadline-exceeded', `the task ran past its ${limitMs / 1000} s time limit`)),
    limitMs,
  );
  // The owner's cancel arrives as `cancelRequested` on the document; a listener sees it within moments.
  const unwatch = deps.store.watch(
    at.id,
    (current) => {
      if (current?.cancelRequested) controller.abort(new TaskError('cancelled', 'the job was cancelled by its owner'));
    },
    (e) => logs.cancelWatchFailed(at.id, e),
  );
  const reporter = new ProgressReporter(
    at,
    (progress) => deps.store.writeProgress(at, progress),
    deps.timings.progressIntervalMs,
    (e) => logs.progressWriteFailed(at.id, e),
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
    settled = await settleHandler(run, controller.signal, deps.timings.abortGraceMs);
  } finally {
    clearTimeout(deadline);
    unwatch();
    await reporter.close();
  }

  if (settled.kind === 'returned') return { kind: 'finish', outcome: { state: 'COMPLETED', result: settled.value } };
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

/** The job's end as the worker could write it. */
type FinishResult =
  | { kind: 'written'; outcome: JobOutcome }
  /** Another claim, the sweep or the owner's cancel ended or took the job first. */
  | { kind: 'superseded' }
  /** Not written: the job stays RUNNING with its lease, and the sweep retries or ends it once the lease lapses. */
  | { kind: 'unwritten'; error: unknown };

/** What a job records when its handler's result cannot be stored; never Firestore's own text (the owner reads it). */
const RESULT_NOT_STORABLE: JobError = {
  code: 'internal',
  message:
    "the task's result could not be stored: it is too large for the job document or not a value Firestore can hold",
};

/**
 * Writes a terminal outcome. A transient commit error is retried by the store; if the write still fails for now,
 * the job is left RUNNING for the sweep rather than ended on a guess: a handler that succeeded keeps its result
 * unless a permanent error says it cannot be stored, and only then does the job end FAILED.
 */
async function finish(
  at: AttemptRef,
  outcome: JobOutcome,
  durations: JobDurations,
  deps: RunJobDeps,
): Promise<FinishResult> {
  const write = async (ending: JobOutcome): Promise<FinishResult> =>
    (await deps.store.finish(at, ending, Date.now(), deps.retentionDays(), durations)).written
      ? { kind: 'written', outcome: ending }
      : { kind: 'superseded' };
  try {
    return await write(outcome);
  } catch (e) {
    if (isTransientError(e) || outcome.state !== 'COMPLETED') return { kind: 'unwritten', error: e };
  }
  try {
    return await write({ state: 'FAILED', error: RESULT_NOT_STORABLE });
  } catch (e) {
    return { kind: 'unwritten', error: e };
  }
}

/**
 * The worker's logic for one delivered message. Pub/Sub delivers at least once, so a message is only a hint:
 * the claim decides whether this delivery runs the job. Messages that cannot be run (poison, unknown job,
 * already claimed) are logged and acknowledged by returning normally; retrying them could only fail again.
 * Retries of the job itself are this worker's own (see README, "Retries"), not Pub/Sub's.
 */
export async function handleJobMessage(message: ReceivedMessage, deps: RunJobDeps): Promise<void> {
  const parsed = parseTaskMessage(message);
  if (!parsed.ok) {
    logs.poisonMessage(message.messageId, parsed.reason);
    return;
  }
  const { jobId } = parsed;
  // This read both filters repeated deliveries and fences the claim: claiming costs one write more, no read.
  let seen = await deps.store.read(jobId);
  const queued = seen.job;
  if (!queued) {
    logs.jobNotFound(jobId, message.messageId);
    return;
  }
  if (queued.state !== 'CREATED') {
    logs.duplicateDelivery(jobId, queued.state, message.messageId);
    return;
  }
  const task = deps.tasks.get(queued.type);
  // A queued retry runs at its dispatch time: the backoff is waited here, bounded by the policy's longest.
  const waitMs = Math.min((queued.dispatchTime?.toMillis() ?? 0) - Date.now(), retryPolicy(task?.retry).maxBackoffMs);
  if (waitMs > 0) {
    await delay(waitMs);
    seen = await deps.store.read(jobId); // the owner may have cancelled meanwhile
  }

  const leaseMs = timeLimitMs(task) + deps.timings.abortGraceMs + deps.timings.leaseMarginMs;
  const claim = await deps.store.claim(jobId, Date.now(), leaseMs, seen);
  if (!claim.claimed) {
    if (claim.reason === 'not-found') logs.jobNotFound(jobId, message.messageId);
    else logs.duplicateDelivery(jobId, claim.state, message.messageId);
    return;
  }
  const { job, attempt: at } = claim;
  const context = { jobId, type: job.type, owner: job.owner, attempt: at.attempt };
  const startMillis = job.startTime?.toMillis() ?? Date.now();
  const queueMillis = Math.max(0, startMillis - job.createTime.toMillis());
  logs.jobStarted(context, queueMillis);
  const decision = await runClaimed(job, at, task, deps);
  const runMillis = Math.max(0, Date.now() - startMillis);

  if (decision.kind === 'retry') {
    let requeued;
    try {
      requeued = await deps.store.requeue(at, decision.error, Date.now() + decision.delayMs);
    } catch (e) {
      // Left RUNNING with its lease: the sweep queues the retry once the lease lapses.
      return logs.terminalWriteFailed(context, 'CREATED', e);
    }
    if (!requeued.written) return logs.terminalWriteSkipped(jobId, requeued.state);
    logs.jobRetrying(context, decision.error, decision.delayMs, runMillis);
    try {
      await deps.queue.publish(jobId, job.type);
    } catch (e) {
      // The job is CREATED with a dispatch time: the recovery sweep re-publishes it.
      logs.publishFailed(jobId, e);
    }
    return;
  }
  const durations = { queueMillis, runMillis };
  const finished = await finish(at, decision.outcome, durations, deps);
  if (finished.kind === 'unwritten') return logs.terminalWriteFailed(context, decision.outcome.state, finished.error);
  if (finished.kind === 'superseded') return logs.terminalWriteSkipped(jobId, (await deps.store.get(jobId))?.state);
  const { outcome } = finished;
  if (outcome.state === 'COMPLETED') logs.jobCompleted(context, durations);
  else logs.jobEnded(context, outcome.state, outcome.error, durations);
}
